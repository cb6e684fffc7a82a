using Baton.Deploy.ServiceFile;

namespace Baton.Deploy.Tests.ServiceFile;

public sealed class ServiceFileLimitsTests
{
    [Fact]
    public void Parse_FiftyThousandNestedLists_RefusedAsTooDeepWithoutOverflowing()
    {
        var result = ServiceFileParser.Parse(HostileFiles.DeepLists());
        Assert.False(result.Ok);
        Assert.Equal("baton.yml line 4: lists and mappings are nested more than 16 deep, deeper than a service file may be.", Assert.Single(result.Errors));
        Assert.Equal(ServiceFileRefusal.TooDeep, ServiceFileLimits.Check(HostileFiles.DeepLists())!.Value.Kind);
    }

    [Fact]
    public void Parse_TwentyThousandNestedMappings_RefusedAsTooDeep()
    {
        var result = ServiceFileParser.Parse(HostileFiles.DeepMappings(), "deep.yml");
        Assert.StartsWith("deep.yml line 4: lists and mappings are nested more than 16 deep", Assert.Single(result.Errors));
    }

    [Fact]
    public void Check_TwentyNineMegabytes_RefusedAsTooLargeBeforeParsing()
    {
        var refused = ServiceFileLimits.Check(HostileFiles.Huge())!.Value;
        Assert.Equal(ServiceFileRefusal.TooLarge, refused.Kind);
        Assert.Equal("baton.yml has 29,000,054 characters; a service file may have at most 262,144", refused.Message);
    }

    [Fact]
    public void Check_DepthAtTheLimit_Accepted_OneMore_Refused()
    {
        // The top-level mapping and env are two levels; the value adds the rest.
        Assert.Null(ServiceFileLimits.Check(HostileFiles.Nested(ServiceFileLimits.MaxDepth - 2)));
        Assert.Equal(ServiceFileRefusal.TooDeep, ServiceFileLimits.Check(HostileFiles.Nested(ServiceFileLimits.MaxDepth - 1))!.Value.Kind);
    }

    [Fact]
    public void Check_ThousandEnvVariables_Accepted_ThousandAndOne_Refused()
    {
        Assert.True(ServiceFileParser.Parse(HostileFiles.ManyEnv(ServiceFileLimits.MaxItems)).Ok);
        var refused = ServiceFileLimits.Check(HostileFiles.ManyEnv(ServiceFileLimits.MaxItems + 1))!.Value;
        Assert.Equal(ServiceFileRefusal.TooMany, refused.Kind);
        Assert.Equal("baton.yml line 1004: a list or mapping has more than 1,000 entries, more than a service file may have", refused.Message);
    }

    [Fact]
    public void Check_ManyValuesInShortLists_RefusedByTheTotal()
    {
        var text = "service: web\nimage: 127.0.0.1:5000/shop\nlabels:\n" + string.Concat(Enumerable.Range(0, 30).Select(i => $"  l{i}: [{string.Join(",", Enumerable.Repeat("x", 999))}]\n"));
        var refused = ServiceFileLimits.Check(text)!.Value;
        Assert.Equal(ServiceFileRefusal.TooMany, refused.Kind);
        Assert.Contains("more than 20,000 values", refused.Message);
    }

    [Theory]
    [InlineData("service: web\nimage: 127.0.0.1:5000/shop\nenv:\n  [a, b]: x\n")]
    [InlineData("service: web\nimage: 127.0.0.1:5000/shop\nenv:\n  {a: b}: x\n")]
    [InlineData("service: web\nimage: 127.0.0.1:5000/shop\nx: &k [1]\nenv:\n  *k : x\n")]
    public void Parse_KeyThatIsNotText_RefusedWithASentence(string text)
    {
        var error = Assert.Single(ServiceFileParser.Parse(text).Errors);
        Assert.Contains("a key must be plain text, not a list, a mapping or an alias", error);
    }

    [Theory]
    [InlineData("=ser~maygeh  ms: [:\n/wTaW")] // YamlDotNet's scanner throws InvalidOperationException (found by bench/fuzz.sh)
    [InlineData("!!.localhost]\ncanary: 7\n")] // a tag that is not a URI: ArgumentException
    public void Parse_InputThatBreaksYamlDotNetsScanner_NotValidYamlInsteadOfAnException(string text)
    {
        Assert.Null(ServiceFileLimits.Check(text));
        Assert.Contains("this is not valid YAML", Assert.Single(ServiceFileParser.Parse(text).Errors));
    }

    [Fact]
    public void Check_NotYaml_LeftToTheParserToReport()
    {
        Assert.Null(ServiceFileLimits.Check("service: [web\n"));
        Assert.Contains("not valid YAML", Assert.Single(ServiceFileParser.Parse("service: [web\n").Errors));
    }
}

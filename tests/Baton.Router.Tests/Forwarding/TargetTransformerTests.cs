using System.Net;
using Baton.Router.Forwarding;
using Baton.Router.Targets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Baton.Router.Tests.Forwarding;

/// <summary>
/// What the transformer gives the client of a target's answer: its length as a number, and trailers only
/// from an answer that could carry them (a chunked one).
/// </summary>
public sealed class TargetTransformerTests
{
    [Fact]
    public async Task AnswerWithALength_TheLengthCrossesAsANumber_NoOtherHeaderCarriesIt()
    {
        var (context, _) = NewContext();
        using var answer = Answer(HttpStatusCode.OK, length: 1024);

        Assert.True(await NewTransformer().TransformResponseAsync(context, answer, CancellationToken.None));

        Assert.Equal(1024, context.Response.ContentLength);
        Assert.Equal("1024", context.Response.Headers.ContentLength.ToString());
        Assert.Equal("text/plain", context.Response.Headers.ContentType.ToString());
        Assert.Single(context.Response.Headers, h => h.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData(HttpStatusCode.NoContent)]
    [InlineData(HttpStatusCode.ResetContent)]
    public async Task BodylessStatusClaimingALength_TheLengthIsDropped(HttpStatusCode status)
    {
        var (context, _) = NewContext();
        using var answer = Answer(status, length: 5);

        await NewTransformer().TransformResponseAsync(context, answer, CancellationToken.None);

        Assert.Null(context.Response.ContentLength);
        Assert.False(context.Response.Headers.ContainsKey("Content-Length"));
    }

    [Fact]
    public async Task ChunkedAnswer_ItsTrailersAreCopied()
    {
        var (context, trailers) = NewContext();
        using var answer = Answer(HttpStatusCode.OK, length: null);
        answer.TrailingHeaders.TryAddWithoutValidation("grpc-status", "0");
        var transformer = NewTransformer();

        await transformer.TransformResponseAsync(context, answer, CancellationToken.None);
        await transformer.TransformResponseTrailersAsync(context, answer, CancellationToken.None);

        Assert.Equal("0", trailers["grpc-status"].ToString());
    }

    [Fact]
    public async Task AnswerWithALength_NoTrailersAreLookedFor()
    {
        var (context, trailers) = NewContext();
        using var answer = Answer(HttpStatusCode.OK, length: 3);
        // Not possible over HTTP/1.1 (only a chunked body has a trailer section): set here to show the copy is skipped.
        answer.TrailingHeaders.TryAddWithoutValidation("grpc-status", "0");
        var transformer = NewTransformer();

        await transformer.TransformResponseAsync(context, answer, CancellationToken.None);
        await transformer.TransformResponseTrailersAsync(context, answer, CancellationToken.None);

        Assert.Empty(trailers);
    }

    private static TargetTransformer NewTransformer()
    {
        var transformer = new TargetTransformer("/", new ResponseDeadline(TimeSpan.FromSeconds(60), TimeProvider.System), "id");
        transformer.Target = new Target(new TargetAddress("127.0.0.1", 1));
        return transformer;
    }

    private static HttpResponseMessage Answer(HttpStatusCode status, long? length)
    {
        var answer = new HttpResponseMessage(status) { Content = new BodyOfUnknownLength() };
        answer.Content.Headers.TryAddWithoutValidation("Content-Type", "text/plain");
        if (length is { } l) answer.Content.Headers.ContentLength = l;
        else answer.Headers.TransferEncodingChunked = true;
        return answer;
    }

    private static (DefaultHttpContext Context, HeaderDictionary Trailers) NewContext()
    {
        var context = new DefaultHttpContext();
        var trailers = new HeaderDictionary();
        context.Features.Set<IHttpResponseTrailersFeature>(new TrailersFeature(trailers));
        return (context, trailers);
    }

    /// <summary>A body that cannot tell its length, as the handler's own content for a chunked answer.</summary>
    private sealed class BodyOfUnknownLength : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(new byte[3]).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }

    private sealed class TrailersFeature(IHeaderDictionary trailers) : IHttpResponseTrailersFeature
    {
        public IHeaderDictionary Trailers { get; set; } = trailers;
    }
}

using System.Net;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.FunctionalTests.Forwarding;

/// <summary>Bodies stream through unbuffered and intact, both ways.</summary>
public sealed class StreamingTests : IClassFixture<SingleServiceFixture>
{
    private readonly RouterHost _router;
    private readonly Backend _backend;

    public StreamingTests(SingleServiceFixture fixture)
    {
        _router = fixture.Router;
        _backend = fixture.Backend;
    }


    [Fact]
    public async Task Sse_FirstEventReadBeforeStreamEnds_NotBuffered()
    {
        using var response = await _router.Proxy.GetAsync("/sse?count=3", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        // The backend holds the rest of the stream until told: the first event can only arrive if nothing buffers it.
        var first = await Wait.ForAsync(reader.ReadLineAsync(), "the first event while the stream is still open");
        Assert.Equal("data: v1 1", first);
        _backend.ReleaseSse();
        var rest = await Wait.ForAsync(reader.ReadToEndAsync(), "the end of the stream");
        Assert.Equal("\ndata: v1 2\n\ndata: v1 3\n\n", rest);
    }

    [Fact]
    public async Task Upload_50MegabytesStreamed_ArrivesIntact()
    {
        using var content = new TestData.StreamedContent(TestData.FiftyMegabytes);
        using var response = await _router.Proxy.PostAsync("/upload", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"{TestData.FiftyMegabytes} {TestData.Sha256Hex(TestData.FiftyMegabytes)}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Upload_ChunkedWithoutLength_ArrivesIntact()
    {
        const long size = 5 * 1024 * 1024 + 123;
        using var content = new TestData.StreamedContent(size, chunked: true);
        using var response = await _router.Proxy.PostAsync("/upload", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"{size} {TestData.Sha256Hex(size)}", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(100_000)]
    [InlineData(1_500_123)]
    public async Task Download_KnownLengthNotAMultipleOf64K_CompletesTwiceOnOneConnection(long bytes)
    {
        // Past the forwarder's 64 KB flush, with a tail that is not flushed by it: the tail must still
        // arrive while the connection stays open for the next request.
        for (int i = 0; i < 2; i++)
        {
            using var response = await _router.Proxy.GetAsync($"/download?bytes={bytes}&length=1", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await Wait.ForAsync(response.Content.ReadAsByteArrayAsync(), $"the whole {bytes} byte body (request {i + 1})");
            Assert.Equal(bytes, body.LongLength);
            Assert.Equal(TestData.Sha256Hex(bytes), Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(body)));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Download_50Megabytes_ArrivesIntact(bool withLength)
    {
        using var response = await _router.Proxy.GetAsync($"/download?bytes={TestData.FiftyMegabytes}{(withLength ? "&length=1" : "")}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        if (withLength) Assert.Equal(TestData.FiftyMegabytes, response.Content.Headers.ContentLength);
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            total += read;
        }
        Assert.Equal(TestData.FiftyMegabytes, total);
        Assert.Equal(TestData.Sha256Hex(TestData.FiftyMegabytes), Convert.ToHexString(sha.GetHashAndReset()));
    }
}

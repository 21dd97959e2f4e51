using System.Diagnostics;
using Microsoft.Graph.Models.ODataErrors;
using Xunit;

namespace UserPhoto.ClientTests;

/// <summary>Test photos: a real phone-style JPEG from samples/, and a 1 x 1 PNG.</summary>
public static class Photos
{
    private static readonly Lazy<byte[]> s_jpeg = new(() => File.ReadAllBytes(Path.Combine(Emulator.RepositoryRoot(), "samples", "Portrait_0.jpg")));

    /// <summary>samples/Portrait_0.jpg, 1200 x 1800.</summary>
    public static byte[] Jpeg => s_jpeg.Value;

    public static byte[] Png { get; } = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");
}

/// <summary>The Microsoft Graph .NET SDK (GraphServiceClient, default handlers) on the photo API.</summary>
public sealed class GraphSdkTests : IClassFixture<HttpsEmulator>
{
    private readonly HttpsEmulator _f;

    public GraphSdkTests(HttpsEmulator fixture)
    {
        _f = fixture;
        _f.Log.Clear();
    }

    private static string Upn(int i) => Emulator.Users[i].Upn;

    [Fact]
    public async Task PhotoContent_PutGetDelete_AsTheSdkSendsIt()
    {
        var graph = _f.Graph();
        var user = Upn(0);
        await graph.Users[user].Photo.Content.PutAsync(new MemoryStream(Photos.Jpeg));
        // The SDK's default content type for $value, which the emulator accepts (src/emulator/graph.rs).
        var put = Assert.Single(_f.Log.Entries, e => e.Method == "PUT");
        Assert.Equal("application/octet-stream", put.ContentType);
        Assert.Equal(200, put.Status);

        await using (var back = await graph.Users[user].Photo.Content.GetAsync())
        {
            Assert.NotNull(back);
            using var ms = new MemoryStream();
            await back!.CopyToAsync(ms);
            Assert.Equal(Photos.Jpeg, ms.ToArray());
        }

        var meta = await graph.Users[user].Photo.GetAsync();
        Assert.NotNull(meta);
        Assert.Equal(1200, meta!.Width);
        Assert.Equal(1800, meta.Height);
        Assert.Equal("1200x1800", meta.Id);
        Assert.Equal("image/jpeg", meta.AdditionalData["@odata.mediaContentType"]?.ToString());
        Assert.False(string.IsNullOrEmpty(meta.AdditionalData["@odata.mediaEtag"]?.ToString()));

        await graph.Users[user].Photo.Content.DeleteAsync();
        var del = Assert.Single(_f.Log.Entries, e => e.Method == "DELETE");
        Assert.EndsWith("/photo/$value", Uri.UnescapeDataString(del.PathAndQuery));
        Assert.Equal(204, del.Status);
        var gone = await Assert.ThrowsAsync<ODataError>(() => graph.Users[user].Photo.Content.GetAsync());
        Assert.Equal(404, gone.ResponseStatusCode);
        Assert.Equal("ImageNotFound", gone.Error?.Code);
    }

    [Fact]
    public async Task PhotoContent_PngByUserId_AndDeleteOnPhoto()
    {
        var graph = _f.Graph();
        var id = Emulator.Users[1].Id;
        await graph.Users[id].Photo.Content.PutAsync(new MemoryStream(Photos.Png));
        var meta = await graph.Users[Upn(1)].Photo.GetAsync();
        Assert.Equal("image/png", meta!.AdditionalData["@odata.mediaContentType"]?.ToString());
        // Photo.DeleteAsync sends DELETE .../photo (as Remove-MgUserPhoto does).
        await graph.Users[id].Photo.DeleteAsync();
        var del = Assert.Single(_f.Log.Entries, e => e.Method == "DELETE");
        Assert.EndsWith("/photo", del.PathAndQuery);
        await Assert.ThrowsAsync<ODataError>(() => graph.Users[id].Photo.GetAsync());
    }

    [Fact]
    public async Task PhotoContent_TheDocumentedContentTypeCanBeSent()
    {
        var graph = _f.Graph();
        var user = Upn(2);
        await graph.Users[user].Photo.Content.PutAsync(new MemoryStream(Photos.Jpeg), c => c.Headers.Add("Content-Type", "image/jpeg"));
        var put = Assert.Single(_f.Log.Entries, e => e.Method == "PUT");
        Assert.Equal("image/jpeg", put.ContentType);
        Assert.Equal(200, put.Status);
        await graph.Users[user].Photo.Content.DeleteAsync();
    }

    [Fact]
    public async Task NotAnImage_IsRefused()
    {
        var graph = _f.Graph();
        var e = await Assert.ThrowsAsync<ODataError>(() => graph.Users[Upn(0)].Photo.Content.PutAsync(new MemoryStream("not a photo"u8.ToArray())));
        Assert.Equal(400, e.ResponseStatusCode);
        Assert.Equal("ImageNotValid", e.Error?.Code);
    }

    [Fact]
    public async Task UnknownUser_IsRequestResourceNotFound()
    {
        var graph = _f.Graph();
        foreach (var call in new Func<Task>[]
        {
            () => graph.Users["nobody@contoso.com"].Photo.GetAsync(),
            () => graph.Users["nobody@contoso.com"].Photo.Content.GetAsync(),
            () => graph.Users["nobody@contoso.com"].Photo.Content.PutAsync(new MemoryStream(Photos.Jpeg)),
            () => graph.Users["nobody@contoso.com"].Photo.Content.DeleteAsync(),
        })
        {
            var e = await Assert.ThrowsAsync<ODataError>(call);
            Assert.Equal(404, e.ResponseStatusCode);
            Assert.Equal("Request_ResourceNotFound", e.Error?.Code);
            Assert.Contains("nobody@contoso.com", e.Error?.Message);
        }
    }

    [Fact]
    public async Task UserWithoutPhoto_IsImageNotFound()
    {
        var graph = _f.Graph();
        var meta = await Assert.ThrowsAsync<ODataError>(() => graph.Users[Upn(3)].Photo.GetAsync());
        Assert.Equal(404, meta.ResponseStatusCode);
        Assert.Equal("ImageNotFound", meta.Error?.Code);
        Assert.Contains("ImageNotFoundException", meta.Error?.Message);
        var content = await Assert.ThrowsAsync<ODataError>(() => graph.Users[Upn(3)].Photo.Content.GetAsync());
        Assert.Equal(404, content.ResponseStatusCode);
        // Graph's request ids come back in the error, as the SDK reads them.
        Assert.False(string.IsNullOrEmpty(content.Error?.InnerError?.RequestId));
    }

    [Fact]
    public async Task OversizePhoto_Is413()
    {
        var graph = _f.Graph();
        var big = new byte[4 * 1024 * 1024 + 1];
        Photos.Jpeg.CopyTo(big, 0);
        var e = await Assert.ThrowsAsync<ODataError>(() => graph.Users[Upn(0)].Photo.Content.PutAsync(new MemoryStream(big)));
        Assert.Equal(413, e.ResponseStatusCode);
    }
}

/// <summary>Graph has answered "no photo" with three different codes; the SDK surfaces each as a 404 ODataError.</summary>
public sealed class NoPhotoCodeTests : IClassFixture<RotatingNoPhotoEmulator>
{
    private readonly RotatingNoPhotoEmulator _f;

    public NoPhotoCodeTests(RotatingNoPhotoEmulator fixture) => _f = fixture;

    [Fact]
    public async Task EveryNoPhotoCode_IsA404()
    {
        var graph = _f.Graph();
        var codes = new List<string?>();
        for (var i = 0; i < 3; i++)
        {
            var e = await Assert.ThrowsAsync<ODataError>(() => graph.Users[Emulator.Users[3].Upn].Photo.GetAsync());
            Assert.Equal(404, e.ResponseStatusCode);
            codes.Add(e.Error?.Code);
        }
        Assert.Equal(new[] { "ImageNotFound", "ErrorEntityNotFound", "ErrorItemNotFound" }, codes);
    }
}

/// <summary>A 429 with Retry-After: the SDK's retry handler waits as told, then succeeds.</summary>
public sealed class RetryAfterTests : IClassFixture<WindowThrottledEmulator>
{
    private readonly WindowThrottledEmulator _f;

    public RetryAfterTests(WindowThrottledEmulator fixture) => _f = fixture;

    [Fact]
    public async Task TooManyRequests_IsRetriedAfterTheAnnouncedDelay()
    {
        var graph = _f.Graph();
        var user = Emulator.Users[0].Upn;
        await graph.Users[user].Photo.Content.PutAsync(new MemoryStream(Photos.Jpeg));
        var clock = Stopwatch.StartNew();
        var meta = await graph.Users[user].Photo.GetAsync();
        clock.Stop();
        Assert.Equal(1200, meta!.Width);

        var graphCalls = _f.Log.To("/v1.0/").ToList();
        Assert.Equal(new[] { 200, 429, 200 }, graphCalls.Select(c => c.Status));
        var throttled = graphCalls[1];
        var wait = double.Parse(throttled.RetryAfter!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(wait, 1, 2);
        // The retry went out no sooner than the service said, and says it is a retry.
        Assert.True(graphCalls[2].At - throttled.At >= TimeSpan.FromSeconds(wait) - TimeSpan.FromMilliseconds(50),
            $"retried after {(graphCalls[2].At - throttled.At).TotalMilliseconds} ms, Retry-After {wait} s");
        Assert.Equal("1", graphCalls[2].RetryAttempt);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(wait) - TimeSpan.FromMilliseconds(50));
    }
}

/// <summary>
/// 429 on every attempt: the SDK's retry handler (Kiota's) waits each Retry-After, gives up after
/// its default 3 retries and throws AggregateException("Too many retries performed...") holding
/// one ApiException per attempt, as that handler documents.
/// </summary>
public sealed class PersistentThrottlingTests : IClassFixture<AlwaysThrottledEmulator>
{
    private readonly AlwaysThrottledEmulator _f;

    public PersistentThrottlingTests(AlwaysThrottledEmulator fixture) => _f = fixture;

    [Fact]
    public async Task TooManyRequests_SurfacesAfterTheRetries()
    {
        var graph = _f.Graph();
        var e = await Assert.ThrowsAsync<AggregateException>(() => graph.Users[Emulator.Users[0].Upn].Photo.Content.PutAsync(new MemoryStream(Photos.Jpeg)));
        Assert.Contains("Too many retries performed", e.Message);
        Assert.Equal(4, e.InnerExceptions.Count);
        Assert.All(e.InnerExceptions, inner =>
        {
            var api = Assert.IsAssignableFrom<Microsoft.Kiota.Abstractions.ApiException>(inner);
            Assert.Equal(429, api.ResponseStatusCode);
            Assert.Contains("TooManyRequests", api.Message);
        });
        var attempts = _f.Log.To("/v1.0/");
        Assert.Equal(4, attempts.Count);
        Assert.All(attempts, a => Assert.Equal(429, a.Status));
        Assert.All(attempts, a => Assert.Equal("1", a.RetryAfter));
        Assert.Equal(new string?[] { null, "1", "2", "3" }, attempts.Select(a => a.RetryAttempt));
        for (var i = 1; i < attempts.Count; i++)
        {
            var gap = attempts[i].At - attempts[i - 1].At;
            Assert.True(gap >= TimeSpan.FromMilliseconds(950), $"retry {i} after {gap.TotalMilliseconds} ms, Retry-After 1 s");
        }
    }
}

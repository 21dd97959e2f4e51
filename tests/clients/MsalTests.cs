using System.Text;
using System.Text.Json;
using Microsoft.Identity.Client;
using Microsoft.Identity.Client.Extensibility;
using Xunit;

namespace UserPhoto.ClientTests;

/// <summary>MSAL.NET's ConfidentialClientApplication, client credentials, against the emulator.</summary>
public sealed class MsalTests : IClassFixture<HttpsEmulator>
{
    private readonly HttpsEmulator _f;

    public MsalTests(HttpsEmulator fixture)
    {
        _f = fixture;
        _f.Log.Clear();
    }

    private Emulator Emu => _f.Emulator;

    /// <summary>The token works on Graph: an unknown user is a 404 of Graph's, not a 401.</summary>
    private async Task AssertGraphAccepts(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{Emu.BaseUrl}/v1.0/users/{Emulator.Users[0].Upn}/photo");
        request.Headers.Authorization = GraphErrors.Bearer(token);
        using var r = await _f.Http.SendAsync(request);
        Assert.NotEqual(401, (int)r.StatusCode);
    }

    private IConfidentialClientApplication CertificateApp(string tenant, bool sendX5C = false) =>
        ConfidentialClientApplicationBuilder.Create(Emulator.CertApp)
            .WithCertificate(AppCertificate.Value, sendX5C)
            .WithAuthority($"{Emu.BaseUrl}/{tenant}", validateAuthority: false)
            .WithInstanceDiscoveryMetadata(new Uri($"{Emu.BaseUrl}/common/discovery/instance"))
            .WithHttpClientFactory(new MsalHttp(_f.Http))
            .Build();

    [Theory]
    [InlineData(Emulator.Tenant)]
    [InlineData(Emulator.TenantId)]
    public async Task ClientSecret_TenantByDomainOrId(string tenant)
    {
        var app = _f.SecretApp(tenant);
        var result = await app.AcquireTokenForClient(new[] { Emulator.GraphScope }).ExecuteAsync();
        Assert.False(string.IsNullOrEmpty(result.AccessToken));
        Assert.Equal(TokenSource.IdentityProvider, result.AuthenticationResultMetadata.TokenSource);
        Assert.True(result.ExpiresOn > DateTimeOffset.UtcNow.AddMinutes(50), $"{result.ExpiresOn}");
        await AssertGraphAccepts(result.AccessToken);

        var tokenRequests = _f.Log.To($"/{tenant}/oauth2/v2.0/token");
        var sent = Assert.Single(tokenRequests);
        Assert.Equal(200, sent.Status);
        Assert.Contains("grant_type=client_credentials", sent.Form);
        Assert.Contains("client_secret=", sent.Form);

        // The second call is MSAL's cache: no second token request.
        var again = await app.AcquireTokenForClient(new[] { Emulator.GraphScope }).ExecuteAsync();
        Assert.Equal(TokenSource.Cache, again.AuthenticationResultMetadata.TokenSource);
        Assert.Single(_f.Log.To($"/{tenant}/oauth2/v2.0/token"));
    }

    [Fact]
    public async Task WrongSecret_IsInvalidClient()
    {
        var app = ConfidentialClientApplicationBuilder.Create(Emulator.SecretApp)
            .WithClientSecret("not-the-secret")
            .WithAuthority($"{Emu.BaseUrl}/{Emulator.Tenant}", validateAuthority: false)
            .WithInstanceDiscoveryMetadata(new Uri($"{Emu.BaseUrl}/common/discovery/instance"))
            .WithHttpClientFactory(new MsalHttp(_f.Http))
            .Build();
        var e = await Assert.ThrowsAsync<MsalServiceException>(() => app.AcquireTokenForClient(new[] { Emulator.GraphScope }).ExecuteAsync());
        Assert.Equal("invalid_client", e.ErrorCode);
        Assert.Equal(401, e.StatusCode);
        Assert.Contains("AADSTS7000215", e.Message);
        Assert.DoesNotContain("not-the-secret", e.Message);
    }

    [Fact]
    public async Task UnknownTenant_IsRefused()
    {
        var app = _f.SecretApp("fabrikam.onmicrosoft.com");
        var e = await Assert.ThrowsAsync<MsalServiceException>(() => app.AcquireTokenForClient(new[] { Emulator.GraphScope }).ExecuteAsync());
        Assert.Contains("AADSTS90002", e.Message);
    }

    [Theory]
    [InlineData(Emulator.Tenant)]
    [InlineData(Emulator.TenantId)]
    public async Task Certificate_TenantByDomainOrId(string tenant)
    {
        var app = CertificateApp(tenant);
        var result = await app.AcquireTokenForClient(new[] { Emulator.GraphScope }).ExecuteAsync();
        await AssertGraphAccepts(result.AccessToken);

        var sent = Assert.Single(_f.Log.To($"/{tenant}/oauth2/v2.0/token"));
        Assert.Equal(200, sent.Status);
        Assert.DoesNotContain("client_secret", sent.Form);
        var form = ParseForm(sent.Form!);
        Assert.Equal("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", form["client_assertion_type"]);
        // The assertion names the certificate by thumbprint and the token endpoint as audience.
        var (header, claims) = DecodeJwt(form["client_assertion"]);
        var alg = header.GetProperty("alg").GetString();
        Assert.True(alg is "PS256" or "RS256", alg);
        Assert.True(header.TryGetProperty("x5t#S256", out _) || header.TryGetProperty("x5t", out _), header.ToString());
        Assert.Equal(Emulator.CertApp, claims.GetProperty("iss").GetString());
        Assert.Equal(Emulator.CertApp, claims.GetProperty("sub").GetString());
    }

    [Fact]
    public async Task Certificate_WithX5c()
    {
        var app = CertificateApp(Emulator.Tenant, sendX5C: true);
        var result = await app.AcquireTokenForClient(new[] { Emulator.GraphScope }).ExecuteAsync();
        await AssertGraphAccepts(result.AccessToken);
    }

    [Fact]
    public async Task UnregisteredCertificate_IsRefused()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var req = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=other", rsa, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var other = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var app = ConfidentialClientApplicationBuilder.Create(Emulator.CertApp)
            .WithCertificate(other)
            .WithAuthority($"{Emu.BaseUrl}/{Emulator.Tenant}", validateAuthority: false)
            .WithInstanceDiscoveryMetadata(new Uri($"{Emu.BaseUrl}/common/discovery/instance"))
            .WithHttpClientFactory(new MsalHttp(_f.Http))
            .Build();
        var e = await Assert.ThrowsAsync<MsalServiceException>(() => app.AcquireTokenForClient(new[] { Emulator.GraphScope }).ExecuteAsync());
        Assert.Equal("invalid_client", e.ErrorCode);
        Assert.Contains("AADSTS700027", e.Message);
    }

    /// <summary>
    /// Instance discovery at the emulator, by a host name only this test uses (MSAL caches
    /// discovery results per host for the whole process).
    /// </summary>
    [Fact]
    public async Task InstanceDiscovery_IsAskedOnceAndItsAnswerUsed()
    {
        var localhost = Emu.BaseUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        var app = ConfidentialClientApplicationBuilder.Create(Emulator.SecretApp)
            .WithClientSecret(Emulator.Secret)
            .WithAuthority($"{localhost}/{Emulator.Tenant}", validateAuthority: false)
            .WithInstanceDiscoveryMetadata(new Uri($"{localhost}/common/discovery/instance"))
            .WithHttpClientFactory(new MsalHttp(_f.Http))
            .Build();
        var result = await app.AcquireTokenForClient(new[] { Emulator.GraphScope }).ExecuteAsync();
        await AssertGraphAccepts(result.AccessToken);
        var discovery = Assert.Single(_f.Log.To("/common/discovery/instance"));
        Assert.Equal(200, discovery.Status);
        Assert.Contains("authorization_endpoint=", discovery.PathAndQuery);
        Assert.Single(_f.Log.To($"/{Emulator.Tenant}/oauth2/v2.0/token"));
    }

    /// <summary>MSAL's generic OpenID Connect authority reads /{tenant}/v2.0/.well-known/openid-configuration.</summary>
    [Fact]
    public async Task OidcAuthority_V2_ReadsTheOpenIdConfiguration()
    {
        var app = ConfidentialClientApplicationBuilder.Create(Emulator.SecretApp)
            .WithClientSecret(Emulator.Secret)
            .WithOidcAuthority($"{Emu.BaseUrl}/{Emulator.TenantId}/v2.0")
            .WithHttpClientFactory(new MsalHttp(_f.Http))
            .Build();
        var result = await app.AcquireTokenForClient(new[] { Emulator.GraphScope }).ExecuteAsync();
        await AssertGraphAccepts(result.AccessToken);
        Assert.Single(_f.Log.To($"/{Emulator.TenantId}/v2.0/.well-known/openid-configuration"));
        var sent = Assert.Single(_f.Log.To($"/{Emulator.TenantId}/oauth2/v2.0/token"));
        Assert.Equal(200, sent.Status);
    }

    /// <summary>
    /// The v1 endpoint (/{tenant}/oauth2/token) through the v1 OpenID configuration. v1 names
    /// the API by `resource`, which MSAL does not send by itself: without it the emulator
    /// refuses as Entra documents, with it (an extra body parameter) the token is issued.
    /// </summary>
    [Fact]
    public async Task OidcAuthority_V1_TokenPath()
    {
        var app = ConfidentialClientApplicationBuilder.Create(Emulator.SecretApp)
            .WithClientSecret(Emulator.Secret)
            .WithOidcAuthority($"{Emu.BaseUrl}/{Emulator.TenantId}")
            .WithHttpClientFactory(new MsalHttp(_f.Http))
            // WithExtraBodyParameters is an experimental MSAL API.
            .WithExperimentalFeatures()
            .Build();
        var e = await Assert.ThrowsAsync<MsalServiceException>(() => app.AcquireTokenForClient(new[] { Emulator.GraphScope }).ExecuteAsync());
        Assert.Contains("AADSTS900144", e.Message);
        Assert.Contains("'resource'", e.Message);

        var result = await app.AcquireTokenForClient(new[] { Emulator.GraphScope })
            .WithExtraBodyParameters(new Dictionary<string, Func<CancellationToken, Task<string>>>
            {
                ["resource"] = _ => Task.FromResult("https://graph.microsoft.com"),
            })
            .ExecuteAsync();
        await AssertGraphAccepts(result.AccessToken);
        Assert.True(result.ExpiresOn > DateTimeOffset.UtcNow.AddMinutes(50), $"{result.ExpiresOn}");
        var sent = _f.Log.To($"/{Emulator.TenantId}/oauth2/token");
        Assert.Equal(new[] { 400, 200 }, sent.Select(s => s.Status));
    }

    private static Dictionary<string, string> ParseForm(string form) =>
        form.Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => Uri.UnescapeDataString(p[0]), p => Uri.UnescapeDataString(p[1].Replace('+', ' ')));

    private static (JsonElement Header, JsonElement Claims) DecodeJwt(string jwt)
    {
        var parts = jwt.Split('.');
        static JsonElement Part(string b64url)
        {
            var s = b64url.Replace('-', '+').Replace('_', '/');
            s = s.PadRight(s.Length + (4 - s.Length % 4) % 4, '=');
            return JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(s))).RootElement.Clone();
        }
        return (Part(parts[0]), Part(parts[1]));
    }
}

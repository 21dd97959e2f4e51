using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Microsoft.Graph;
using Microsoft.Identity.Client;
using Microsoft.Identity.Client.AppConfig;
using Microsoft.Kiota.Authentication.Azure;
using Xunit;

namespace UserPhoto.ClientTests;

/// <summary>
/// App Service managed identity (IDENTITY_ENDPOINT + IDENTITY_HEADER) through Azure.Identity
/// and through MSAL's ManagedIdentityApplication. One test, in order, because both libraries
/// keep managed identity tokens in a process-wide cache and read the environment variables.
/// </summary>
public sealed class ManagedIdentityTests : IClassFixture<HttpsEmulator>
{
    private readonly HttpsEmulator _f;

    public ManagedIdentityTests(HttpsEmulator fixture) => _f = fixture;

    private sealed class IdentityEnvironment : IDisposable
    {
        private readonly string? _endpoint = Environment.GetEnvironmentVariable("IDENTITY_ENDPOINT");
        private readonly string? _header = Environment.GetEnvironmentVariable("IDENTITY_HEADER");

        public IdentityEnvironment(string endpoint, string header)
        {
            Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", endpoint);
            Environment.SetEnvironmentVariable("IDENTITY_HEADER", header);
        }

        public void Dispose()
        {
            Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", _endpoint);
            Environment.SetEnvironmentVariable("IDENTITY_HEADER", _header);
        }
    }

    private ManagedIdentityCredential AzureCredential() =>
        new(new ManagedIdentityCredentialOptions(Azure.Identity.ManagedIdentityId.SystemAssigned)
        {
            Transport = new HttpClientTransport(_f.Http),
            Retry = { MaxRetries = 0 },
        });

    private IManagedIdentityApplication MsalIdentity() =>
        ManagedIdentityApplicationBuilder.Create(Microsoft.Identity.Client.AppConfig.ManagedIdentityId.SystemAssigned)
            .WithHttpClientFactory(new MsalHttp(_f.Http))
            .Build();

    [Fact]
    public async Task AppService_ErrorsReachTheCaller_ThenTokensWorkOnGraph()
    {
        var endpoint = $"{_f.Emulator.BaseUrl}/msi/token";
        var resource = "https://graph.microsoft.com";

        // A wrong IDENTITY_HEADER: App Service's error body carries the reason in `message`,
        // and both libraries pass it on.
        using (new IdentityEnvironment(endpoint, "not-the-identity-header"))
        {
            var azure = await Assert.ThrowsAsync<AuthenticationFailedException>(() =>
                AzureCredential().GetTokenAsync(new TokenRequestContext(new[] { Emulator.GraphScope }), default).AsTask());
            Assert.Contains("X-IDENTITY-HEADER header is missing or does not match", azure.ToString());
            Assert.DoesNotContain(Emulator.IdentityHeader, azure.ToString());

            var msal = await Assert.ThrowsAsync<MsalServiceException>(() =>
                MsalIdentity().AcquireTokenForManagedIdentity(resource).WithForceRefresh(true).ExecuteAsync());
            Assert.Contains("X-IDENTITY-HEADER header is missing or does not match", msal.Message);
            Assert.Equal(401, msal.StatusCode);
        }

        using (new IdentityEnvironment(endpoint, Emulator.IdentityHeader))
        {
            var credential = AzureCredential();
            var token = await credential.GetTokenAsync(new TokenRequestContext(new[] { Emulator.GraphScope }), default);
            Assert.False(string.IsNullOrEmpty(token.Token));
            Assert.True(token.ExpiresOn > DateTimeOffset.UtcNow.AddMinutes(50), $"{token.ExpiresOn}");
            var sent = _f.Log.To("/msi/token").Last();
            Assert.Equal(200, sent.Status);
            Assert.Contains("api-version=2019-08-01", sent.PathAndQuery);

            // The Graph SDK with the Azure.Identity credential. Its token provider attaches
            // tokens only for hosts it is told about (Graph's own by default).
            var graphHttp = GraphClientFactory.Create(GraphClientFactory.CreateDefaultHandlers(), finalHandler: _f.Emulator.Handler(_f.Log));
            var auth = new AzureIdentityAuthenticationProvider(credential, new[] { "127.0.0.1" }, scopes: new[] { Emulator.GraphScope });
            var graph = new GraphServiceClient(graphHttp, auth, $"{_f.Emulator.BaseUrl}/v1.0");
            await graph.Users[Emulator.Users[2].Upn].Photo.Content.PutAsync(new MemoryStream(Photos.Jpeg));
            var meta = await graph.Users[Emulator.Users[2].Upn].Photo.GetAsync();
            Assert.Equal(1200, meta!.Width);

            var result = await MsalIdentity().AcquireTokenForManagedIdentity(resource).WithForceRefresh(true).ExecuteAsync();
            Assert.Equal(TokenSource.IdentityProvider, result.AuthenticationResultMetadata.TokenSource);
            Assert.False(string.IsNullOrEmpty(result.AccessToken));
        }
    }
}

using System.Net.Http.Headers;
using k8s.Authentication;

namespace PodTools.Engine.Connection;

/// <summary>
/// Bearer token read from users[].user.tokenFile, re-read when the file changes (as kubectl does for
/// rotated service-account tokens).
/// </summary>
internal sealed class TokenFileProvider(string path) : ITokenProvider
{
    private DateTime _stamp;
    private string? _token;

    public Task<AuthenticationHeaderValue> GetAuthenticationHeaderAsync(CancellationToken cancellationToken)
    {
        DateTime stamp = File.GetLastWriteTimeUtc(path);
        if (_token is null || stamp != _stamp)
        {
            _token = File.ReadAllText(path).Trim();
            _stamp = stamp;
        }

        return Task.FromResult(new AuthenticationHeaderValue("Bearer", _token));
    }
}

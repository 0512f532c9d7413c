using System.Net;
using System.Net.Sockets;
using k8s.Autorest;
using PodTools.Engine.Errors;

namespace PodTools.Engine.Tests.Connection;

public sealed class KubeErrorTranslatorTests
{
    private static readonly RequestScope Scope = new("https://127.0.0.1:6443", "admin");

    private static HttpOperationException Http(HttpStatusCode code, string body) => new($"Operation returned an invalid status code '{code}'")
    {
        Response = new HttpResponseMessageWrapper(new HttpResponseMessage(code), body),
    };

    [Fact]
    public void TheBearerTokenOfTheFailedRequestDoesNotTravelWithTheError()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "https://127.0.0.1:6443/api/v1/pods");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "s3cret-token");
        var failure = Http(HttpStatusCode.Forbidden, "{\"kind\":\"Status\",\"message\":\"forbidden\"}");
        failure.Request = new HttpRequestMessageWrapper(request, null);

        var error = KubeErrorTranslator.Translate(failure, Scope)!;

        Assert.IsType<HttpOperationException>(error.InnerException);
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is HttpOperationException http)
            {
                Assert.DoesNotContain(http.Request.Headers, header => header.Value.Any(v => v.Contains("s3cret-token")));
            }
            Assert.DoesNotContain("s3cret-token", e.Message);
        }
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized, "Unauthorized", KubeErrorCategory.AuthenticationError)]
    [InlineData(HttpStatusCode.Forbidden, "Forbidden", KubeErrorCategory.PermissionDenied)]
    [InlineData(HttpStatusCode.Conflict, "Conflict", KubeErrorCategory.ResourceBusy)]
    [InlineData(HttpStatusCode.UnprocessableEntity, "Invalid", KubeErrorCategory.InvalidData)]
    public void StatusCodesMapToStableIds(HttpStatusCode code, string id, KubeErrorCategory category)
    {
        var error = KubeErrorTranslator.Translate(Http(code, """{"kind":"Status","message":"server says no"}"""), Scope)!;

        Assert.Equal(id, error.ErrorId);
        Assert.Equal(category, error.Category);
        Assert.Contains("server says no", error.Message);
    }

    [Fact]
    public void NotFoundIsNamedAfterTheKindInTheStatus()
    {
        const string body = """{"kind":"Status","status":"Failure","message":"pods \"web\" not found","reason":"NotFound","details":{"name":"web","kind":"pods"},"code":404}""";

        var error = KubeErrorTranslator.Translate(Http(HttpStatusCode.NotFound, body), Scope.For("pod", "web", "default"))!;

        Assert.Equal("PodNotFound", error.ErrorId);
        Assert.Equal(KubeErrorCategory.ObjectNotFound, error.Category);
        Assert.Equal("pods \"web\" not found", error.Message);
        Assert.Equal("web", error.Target);
    }

    [Fact]
    public void NamespaceNotFoundComesFromTheStatusKind()
    {
        const string body = """{"kind":"Status","message":"namespaces \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"namespaces"},"code":404}""";

        Assert.Equal("NamespaceNotFound", KubeErrorTranslator.Translate(Http(HttpStatusCode.NotFound, body), Scope)!.ErrorId);
    }

    [Fact]
    public void AlreadyExistsIsResourceExists()
    {
        const string body = """{"kind":"Status","message":"pods \"web\" already exists","reason":"AlreadyExists","code":409}""";

        var error = KubeErrorTranslator.Translate(Http(HttpStatusCode.Conflict, body), Scope)!;

        Assert.Equal("AlreadyExists", error.ErrorId);
        Assert.Equal(KubeErrorCategory.ResourceExists, error.Category);
    }

    [Fact]
    public void InvalidKeepsTheFieldCausesTheMessageLeftOut()
    {
        const string body = """{"kind":"Status","message":"Pod \"X\" is invalid","reason":"Invalid","code":422,"details":{"causes":[{"field":"metadata.name","message":"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters"}]}}""";

        var error = KubeErrorTranslator.Translate(Http(HttpStatusCode.UnprocessableEntity, body), Scope)!;

        Assert.Contains("metadata.name: a lowercase RFC 1123 subdomain", error.Message);
    }

    [Fact]
    public void ConnectionRefusedIsClusterUnreachableNamingServerAndContext()
    {
        var refused = new HttpRequestException("Connection refused (127.0.0.1:6443)", new SocketException((int)SocketError.ConnectionRefused));

        var error = KubeErrorTranslator.Translate(refused, Scope)!;

        Assert.Equal("ClusterUnreachable", error.ErrorId);
        Assert.Equal(KubeErrorCategory.ConnectionError, error.Category);
        Assert.Contains("https://127.0.0.1:6443", error.Message);
        Assert.Contains("'admin'", error.Message);
    }

    [Fact]
    public void TimeoutWithoutCallerCancellationIsOperationTimeout()
    {
        var error = KubeErrorTranslator.Translate(new TaskCanceledException("timed out"), Scope)!;

        Assert.Equal("RequestTimeout", error.ErrorId);
        Assert.Equal(KubeErrorCategory.OperationTimeout, error.Category);
    }

    [Fact]
    public void CallerCancellationIsNotTranslated()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Null(KubeErrorTranslator.Translate(new OperationCanceledException(cancelled.Token), Scope, cancelled.Token));
    }
}

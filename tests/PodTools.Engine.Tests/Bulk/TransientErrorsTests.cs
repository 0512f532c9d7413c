using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using k8s.Autorest;
using PodTools.Engine.Bulk;
using PodTools.Engine.Errors;

namespace PodTools.Engine.Tests.Bulk;

public class TransientErrorsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(429, true)]
    [InlineData(500, true)]
    [InlineData(502, true)]
    [InlineData(503, true)]
    [InlineData(504, true)]
    [InlineData(400, false)]
    [InlineData(401, false)]
    [InlineData(403, false)]
    [InlineData(404, false)]
    [InlineData(409, false)]
    [InlineData(410, false)]
    [InlineData(422, false)]
    [InlineData(501, false)]
    public void Classifies_api_answers_by_status_code(int code, bool transient)
    {
        Assert.Equal(transient, TransientErrors.IsTransient(ApiErrors.Status(code)));
    }

    [Fact]
    public void Classifies_a_translated_engine_error_by_the_answer_it_wraps()
    {
        var notFound = new KubeEngineException("PodNotFound", KubeErrorCategory.ObjectNotFound, "pods \"a\" not found",
            innerException: ApiErrors.Status(404), statusCode: 404);
        var unavailable = new KubeEngineException("ServerError", KubeErrorCategory.ResourceUnavailable, "unavailable",
            innerException: ApiErrors.Status(503), statusCode: 503);

        Assert.False(TransientErrors.IsTransient(notFound));
        Assert.True(TransientErrors.IsTransient(unavailable));
    }

    [Fact]
    public void Retries_connection_failures_including_a_reset_in_the_middle_of_the_body()
    {
        Assert.True(TransientErrors.IsTransient(new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused))));
        Assert.True(TransientErrors.IsTransient(new IOException("The response ended prematurely.")));
        Assert.True(TransientErrors.IsTransient(new HttpIOException(HttpRequestError.ResponseEnded, "The response ended prematurely.")));
        Assert.True(TransientErrors.IsTransient(new SocketException((int)SocketError.ConnectionReset)));
    }

    [Fact]
    public void Retries_an_http_client_timeout_but_not_a_cancellation()
    {
        Assert.True(TransientErrors.IsTransient(new TaskCanceledException("timeout", new TimeoutException())));
        Assert.False(TransientErrors.IsTransient(new OperationCanceledException()));
        Assert.False(TransientErrors.IsTransient(new TaskCanceledException()));
    }

    [Fact]
    public void Does_not_retry_programming_errors()
    {
        Assert.False(TransientErrors.IsTransient(new InvalidOperationException()));
        Assert.False(TransientErrors.IsTransient(new ArgumentException("bad")));
        Assert.False(TransientErrors.IsTransient(new FileNotFoundException("no such manifest", "pod.yaml")));
    }

    [Theory]
    [InlineData("7", 7)]
    [InlineData(" 0 ", 0)]
    [InlineData("Sat, 28 Nov 2026 12:00:05 GMT", 5)]
    [InlineData("Sat, 28 Nov 2026 11:59:00 GMT", 0)]
    public void Parses_retry_after_as_seconds_or_http_date(string value, int expectedSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), TransientErrors.ParseRetryAfter(value, Now));
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("-3")]
    [InlineData("")]
    public void Ignores_a_retry_after_it_cannot_read(string value)
    {
        Assert.Null(TransientErrors.ParseRetryAfter(value, Now));
    }

    [Fact]
    public void Reads_retry_after_from_the_response_headers_whatever_their_case()
    {
        var error = ApiErrors.Status(429);
        error.Response.Headers.Clear();
        error.Response.Headers["retry-after"] = new[] { "3" };

        Assert.Equal(TimeSpan.FromSeconds(3), TransientErrors.RetryAfter(error, Now));
    }

    [Fact]
    public void Reads_a_retry_after_date_as_HttpClient_formats_it()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter = new RetryConditionHeaderValue(Now.AddSeconds(9));
        var error = new HttpOperationException("429") { Response = new HttpResponseMessageWrapper(response, "") };

        Assert.Equal(TimeSpan.FromSeconds(9), TransientErrors.RetryAfter(error, Now));
    }

    [Fact]
    public void Falls_back_to_retry_after_seconds_in_the_status_body()
    {
        const string body = """{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"TooManyRequests","details":{"retryAfterSeconds":4},"code":429}""";

        Assert.Equal(TimeSpan.FromSeconds(4), TransientErrors.RetryAfter(ApiErrors.Status(429, content: body), Now));
    }

    [Fact]
    public void Has_no_retry_after_when_the_server_gave_none()
    {
        Assert.Null(TransientErrors.RetryAfter(ApiErrors.Status(503, content: "not json"), Now));
        Assert.Null(TransientErrors.RetryAfter(new IOException("reset"), Now));
    }

    [Fact]
    public void Finds_retry_after_through_a_wrapping_engine_error()
    {
        var wrapped = new KubeEngineException("TooManyRequests", KubeErrorCategory.LimitsExceeded, "slow down",
            innerException: ApiErrors.Status(429, retryAfter: "2"), statusCode: 429);

        Assert.Equal(TimeSpan.FromSeconds(2), TransientErrors.RetryAfter(wrapped, Now));
    }
}

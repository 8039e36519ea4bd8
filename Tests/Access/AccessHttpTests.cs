using FunctionsDashboard.Access;
using FunctionsDashboard.Functions.Access;
using Microsoft.AspNetCore.Http;

namespace FunctionsDashboard.Tests.Access;

/// <summary>The stream-token cookie negotiate sets is the header <c>Cookies.Append</c> writes.</summary>
public sealed class AccessHttpTests
{
    [Theory]
    [InlineData("http://127.0.0.1:7071/api/events", false)]
    [InlineData("https://dash.example/api/events", true)]
    [InlineData("https://dash.example/base/api/events", true)]
    public void AppendStreamTokenCookie_IsWhatCookiesAppendWrites(string sseUrl, bool https)
    {
        const string token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl-_";
        var expected = new DefaultHttpContext();
        expected.Response.Cookies.Append(StreamTokens.CookieName, token, new CookieOptions
        {
            HttpOnly = true,
            Secure = https,
            SameSite = https ? SameSiteMode.None : SameSiteMode.Lax,
            Path = new Uri(sseUrl).AbsolutePath,
            MaxAge = TimeSpan.FromMinutes(10),
        });

        // Twice with other values in between, so both the formatted and the reused attributes are compared.
        foreach (var _ in new[] { 1, 2 })
        {
            var actual = new DefaultHttpContext();
            AccessHttp.AppendStreamTokenCookie(new DefaultHttpContext().Response, token, "https://other.example/x/events", !https, TimeSpan.FromMinutes(3));
            AccessHttp.AppendStreamTokenCookie(actual.Response, token, sseUrl, https, TimeSpan.FromMinutes(10));
            AccessHttp.AppendStreamTokenCookie(actual.Response, token, sseUrl, https, TimeSpan.FromMinutes(10));

            Assert.Equal(new[] { expected.Response.Headers.SetCookie.ToString(), expected.Response.Headers.SetCookie.ToString() }, actual.Response.Headers.SetCookie.ToArray<string>());
        }
    }
}

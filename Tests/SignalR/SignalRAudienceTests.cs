using FunctionsDashboard.SignalR;

namespace FunctionsDashboard.Tests.SignalR;

public sealed class SignalRAudienceTests
{
    private const string Client = "http://127.0.0.1:7071/localsignalr/client/?hub=dashboard";
    private const string Rest = "http://127.0.0.1:7071/localsignalr/api/hubs/dashboard/:send";

    [Theory]
    [InlineData(Client, Client)]
    [InlineData("http://127.0.0.1/localsignalr/client/?hub=dashboard", Client)] // SDK: no port (AudienceBaseUrl)
    [InlineData("HTTP://127.0.0.1:7071/localsignalr/client?hub=DASHBOARD", Client)]
    [InlineData(Rest, Rest)]
    [InlineData(Rest + "/", Rest)]
    [InlineData(Rest + "?api-version=2022-06-01", Rest)] // Management SDK: query in aud
    [InlineData("http://127.0.0.1/localsignalr/api/hubs/dashboard/:send?api-version=2022-06-01", Rest)]
    public void Matches_ExactOrSdkForms_True_Issue13(string audience, string expected) =>
        Assert.True(SignalRAudience.Matches(audience, expected));

    [Theory]
    [InlineData("http://127.0.0.1:7072/localsignalr/client/?hub=dashboard", Client)] // another port
    [InlineData("http://127.0.0.1:7071/localsignalr/client/?hub=other", Client)]
    [InlineData("http://localhost:7071/localsignalr/client/?hub=dashboard", Client)]
    [InlineData("https://127.0.0.1:7071/localsignalr/client/?hub=dashboard", Client)]
    [InlineData("http://127.0.0.1:7071/localsignalr/api/hubs/dashboard/users/x/:send", Rest)]
    [InlineData("not a url", Rest)]
    [InlineData("", Rest)]
    public void Matches_OtherUrl_False(string audience, string expected) =>
        Assert.False(SignalRAudience.Matches(audience, expected));
}

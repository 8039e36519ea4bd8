using FunctionsDashboard.Hub;

namespace FunctionsDashboard.Tests.Hub;

public sealed class HubHandlerCatalogTests
{
    [Fact]
    public void Freeze_DashboardDeclarations_DispatchesCaseInsensitively()
    {
        var catalog = HubHandlerCatalog.Freeze("dashboard", DashboardHubHandlers.Declarations, _ => true);

        Assert.True(catalog.TryGet("Dashboard", "CONNECTIONS", "Connected", out var connected));
        Assert.Equal(typeof(ConnectedHandler), connected);
        Assert.True(catalog.TryGet("dashboard", "messages", "heartbeat", out var heartbeat));
        Assert.Equal(typeof(HeartbeatHandler), heartbeat);
        Assert.Equal(DashboardHubHandlers.Declarations.Count, catalog.Declarations.Count());
    }

    [Theory]
    [InlineData("dashboard", "messages", "broadcast")]
    [InlineData("other", "messages", "heartbeat")]
    [InlineData("dashboard", "connections", "heartbeat")]
    public void TryGet_UndeclaredEvent_IsNotFound(string hub, string category, string @event)
    {
        var catalog = HubHandlerCatalog.Freeze("dashboard", DashboardHubHandlers.Declarations, _ => true);

        Assert.False(catalog.TryGet(hub, category, @event, out _));
    }

    [Fact]
    public void Freeze_Duplicate_FailsNamingIt()
    {
        var declarations = DashboardHubHandlers.Declarations.Append(new(HubCategories.Messages, "HEARTBEAT", typeof(HeartbeatHandler)));

        var error = Assert.Throws<InvalidOperationException>(() => HubHandlerCatalog.Freeze("dashboard", declarations, _ => true));

        Assert.Contains("messages/HEARTBEAT: declared more than once", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Freeze_DeclarationWithoutHandler_Fails()
    {
        var declarations = DashboardHubHandlers.Declarations.Append(new(HubCategories.Messages, "refresh", null));

        var error = Assert.Throws<InvalidOperationException>(() => HubHandlerCatalog.Freeze("dashboard", declarations, _ => true));

        Assert.Contains("messages/refresh: declared without a handler", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Freeze_HandlerNotRegistered_Fails()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            HubHandlerCatalog.Freeze("dashboard", DashboardHubHandlers.Declarations, t => t != typeof(DisconnectedHandler)));

        Assert.Contains("DisconnectedHandler is not registered", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Freeze_HandlerOfWrongType_Fails()
    {
        var declarations = new[] { new HubHandlerDeclaration(HubCategories.Messages, "refresh", typeof(string)) };

        var error = Assert.Throws<InvalidOperationException>(() => HubHandlerCatalog.Freeze("dashboard", declarations, _ => true));

        Assert.Contains("does not implement IHubEventHandler", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("events", "connected", "unknown category")]
    [InlineData("connections", "reconnected", "only has 'connected' and 'disconnected'")]
    [InlineData("messages", " ", "has no event name")]
    public void Freeze_BadDeclaration_Fails(string category, string @event, string expected)
    {
        var declarations = new[] { new HubHandlerDeclaration(category, @event, typeof(HeartbeatHandler)) };

        var error = Assert.Throws<InvalidOperationException>(() => HubHandlerCatalog.Freeze("dashboard", declarations, _ => true));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}

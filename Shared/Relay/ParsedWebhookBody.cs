namespace FunctionsDashboard.Relay;

/// <summary>What a webhook body holds.</summary>
internal abstract record ParsedWebhookBody
{
    /// <summary>Events to append.</summary>
    public sealed record Events(IReadOnlyList<IncomingEvent> Items, EventSchema Schema) : ParsedWebhookBody;

    /// <summary>An Event Grid subscription validation handshake.</summary>
    public sealed record Validation(string ValidationCode) : ParsedWebhookBody;

    /// <summary>The body is not valid Event Grid input; <paramref name="Reason"/> says why.</summary>
    public sealed record Malformed(string Reason) : ParsedWebhookBody;
}

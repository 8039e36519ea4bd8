namespace FunctionsDashboard.Relay;

/// <summary>An Event Grid webhook POST as the relay needs it (host-agnostic: the function fills it from the HTTP request).</summary>
/// <param name="ContentType">The <c>Content-Type</c> header.</param>
/// <param name="ContentLength">The <c>Content-Length</c> header, when sent.</param>
/// <param name="EventType">The <c>aeg-event-type</c> header (<c>Notification</c>, <c>SubscriptionValidation</c>, ...).</param>
/// <param name="PresentedSecrets">The secrets the caller presented (query <c>code</c>, header <c>X-Dashboard-Webhook-Secret</c>).</param>
/// <param name="Body">The request body.</param>
public sealed record WebhookRequest(string? ContentType, long? ContentLength, string? EventType, IReadOnlyList<string?> PresentedSecrets, Stream Body);

using System.Text.Json.Serialization;

namespace FunctionsDashboard.Relay;

/// <summary>The answer to Event Grid's SubscriptionValidation event.</summary>
/// <param name="ValidationResponse">The validation code Event Grid sent.</param>
public sealed record SubscriptionValidationReply([property: JsonPropertyName("validationResponse")] string ValidationResponse);

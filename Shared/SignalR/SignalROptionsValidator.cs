using Microsoft.Extensions.Options;

namespace FunctionsDashboard.SignalR;

/// <summary>Validates <see cref="SignalROptions"/> at startup (source-generated from its DataAnnotations); messages name the setting and never echo the key.</summary>
[OptionsValidator]
internal sealed partial class SignalROptionsValidator : IValidateOptions<SignalROptions>;

using Microsoft.Extensions.Options;

namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>Validates the ranges and lengths of <see cref="LocalSignalROptions"/> when DevHost starts (source-generated from the DataAnnotations).</summary>
[OptionsValidator]
internal sealed partial class LocalSignalROptionsValidator : IValidateOptions<LocalSignalROptions>;

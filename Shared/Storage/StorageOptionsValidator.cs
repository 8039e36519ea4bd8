using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Storage;

/// <summary>Validates <see cref="StorageOptions"/> at startup (source-generated from its DataAnnotations).</summary>
[OptionsValidator]
internal sealed partial class StorageOptionsValidator : IValidateOptions<StorageOptions>;

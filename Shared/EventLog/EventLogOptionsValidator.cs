using Microsoft.Extensions.Options;

namespace FunctionsDashboard.EventLog;

/// <summary>Validates <see cref="EventLogOptions"/> at startup (source-generated from its DataAnnotations).</summary>
[OptionsValidator]
internal sealed partial class EventLogOptionsValidator : IValidateOptions<EventLogOptions>;

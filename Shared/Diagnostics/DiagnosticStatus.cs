using System.Text.Json.Serialization;

namespace FunctionsDashboard.Diagnostics;

/// <summary>The verdict of one self-check, written <c>ok</c>, <c>warn</c> or <c>fail</c> in JSON.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DiagnosticStatus>))]
public enum DiagnosticStatus
{
    /// <summary>Nothing wrong was found.</summary>
    [JsonStringEnumMemberName("ok")]
    Ok,

    /// <summary>Works, but something looks wrong or cannot be judged yet.</summary>
    [JsonStringEnumMemberName("warn")]
    Warn,

    /// <summary>Misconfigured or broken: the <see cref="DiagnosticCheckResult.Hint"/> says what to fix.</summary>
    [JsonStringEnumMemberName("fail")]
    Fail,
}

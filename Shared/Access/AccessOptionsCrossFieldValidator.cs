using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Access;

/// <summary>
/// The rules of <see cref="AccessOptions"/> beyond its DataAnnotations: each rule names one principal and some streams,
/// patterns parse, bearer settings come together. Each failure names the setting (<c>Access:X</c>, app setting <c>Access__X</c>).
/// </summary>
internal sealed class AccessOptionsCrossFieldValidator : IValidateOptions<AccessOptions>
{
    public ValidateOptionsResult Validate(string? name, AccessOptions options)
    {
        var failures = new List<string>();
        Patterns(failures, "Access:AnonymousStreams", options.AnonymousStreams);
        for (var i = 0; i < options.Rules.Count; i++)
        {
            var rule = options.Rules[i];
            if (string.IsNullOrWhiteSpace(rule.Role) == string.IsNullOrWhiteSpace(rule.ClaimType))
            {
                failures.Add($"Access:Rules:{i} needs exactly one of Role or ClaimType.");
            }

            if (rule.Streams.Count == 0)
            {
                failures.Add($"Access:Rules:{i}:Streams is empty: list the streams or patterns (orders.*, *) the rule grants.");
            }

            Patterns(failures, $"Access:Rules:{i}:Streams", rule.Streams);
        }

        var bearer = options.Bearer;
        if (bearer.Issuers.Count > 0)
        {
            if (bearer.Audiences.Count == 0)
            {
                failures.Add("Access:Bearer:Audiences is empty: bearer tokens need an audience to be checked against.");
            }

            if (string.IsNullOrEmpty(bearer.MetadataAddress) && bearer.SymmetricKeys.Count == 0 && string.IsNullOrEmpty(bearer.Jwks))
            {
                failures.Add("Access:Bearer needs signing keys: MetadataAddress, Jwks or SymmetricKeys.");
            }

            if (bearer.MetadataAddress is { Length: > 0 } address && !Uri.TryCreate(address, UriKind.Absolute, out _))
            {
                failures.Add("Access:Bearer:MetadataAddress is not an absolute URL.");
            }

            foreach (var key in bearer.SymmetricKeys)
            {
                if (!IsBase64(key, out var length) || length < 16)
                {
                    failures.Add("Access:Bearer:SymmetricKeys must be base64 keys of at least 16 bytes.");
                    break;
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Patterns(List<string> failures, string setting, IEnumerable<string> patterns)
    {
        foreach (var p in patterns)
        {
            if (StreamPattern.TryParse(p) is null)
            {
                failures.Add($"{setting} has '{Bounded(p)}', which is not a stream name or prefix pattern (such as orders.* or *).");
            }
        }
    }

    private static bool IsBase64(string text, out int length)
    {
        var buffer = new byte[text.Length];
        var ok = Convert.TryFromBase64String(text, buffer, out length);
        return ok;
    }

    private static string Bounded(string value) => value.Length <= 64 ? value : value[..64] + "…";
}

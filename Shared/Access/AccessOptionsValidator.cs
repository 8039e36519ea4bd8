using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Access;

/// <summary>Fills the computed defaults of <see cref="AccessOptions"/> (after binding).</summary>
internal sealed class AccessOptionsSetup(IConfiguration configuration) : IPostConfigureOptions<AccessOptions>
{
    public void PostConfigure(string? name, AccessOptions options)
    {
        options.AllowAnonymous ??= bool.TryParse(configuration["SignalR:AllowAnonymous"], out var anonymous) && anonymous;
        options.TrustAppServicePrincipal ??= string.Equals(configuration["WEBSITE_AUTH_ENABLED"], "True", StringComparison.OrdinalIgnoreCase);
        if (options.AnonymousStreams.Count == 0)
        {
            options.AnonymousStreams.Add("*");
        }
    }
}

/// <summary>Validates <see cref="AccessOptions"/> at startup; each failure names the setting (<c>Access:X</c>, app setting <c>Access__X</c>).</summary>
internal sealed class AccessOptionsValidator : IValidateOptions<AccessOptions>
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

        if (options.SigningKey is { Length: > 0 and < 32 })
        {
            failures.Add("Access:SigningKey is shorter than 32 characters; use a long random key, or leave it empty to derive one.");
        }

        if (options.StreamTokenLifetime < TimeSpan.FromMinutes(1) || options.StreamTokenLifetime > TimeSpan.FromHours(1))
        {
            failures.Add($"Access:StreamTokenLifetime ({options.StreamTokenLifetime}) must be between 00:01:00 and 01:00:00.");
        }

        if (options.MaxStreamsPerRequest is < 1 or > 500)
        {
            failures.Add($"Access:MaxStreamsPerRequest ({options.MaxStreamsPerRequest}) must be between 1 and 500.");
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

using Azure;
using Azure.Data.Tables;
using FunctionsDashboard.Storage;

namespace FunctionsDashboard.Diagnostics;

/// <summary>
/// <c>clock-skew</c>: compares the <c>Date</c> header of a storage response with the app's <see cref="TimeProvider"/> at the
/// middle of the request. Tokens (SignalR, stream tokens, storage SAS) are checked against clocks: a skew beyond
/// <see cref="WarnAbove"/> warns, beyond <see cref="FailAbove"/> (the usual token tolerance) fails.
/// </summary>
public sealed class ClockSkewCheck(DashboardStorage storage, TimeProvider timeProvider) : IDiagnosticCheck
{
    /// <summary>The check's name.</summary>
    public const string CheckName = "clock-skew";

    /// <summary>A skew above this warns.</summary>
    public static readonly TimeSpan WarnAbove = TimeSpan.FromSeconds(30);

    /// <summary>A skew above this fails: JWT validation's default tolerance, past which tokens are refused.</summary>
    public static readonly TimeSpan FailAbove = TimeSpan.FromMinutes(5);

    /// <inheritdoc />
    public string Name => CheckName;

    /// <inheritdoc />
    public async Task<DiagnosticCheckResult> RunAsync(DiagnosticsContext context, CancellationToken cancellationToken)
    {
        var table = storage.SingleTryTable(DiagnosticsActivity.TableName);
        var sent = timeProvider.GetUtcNow();
        Response response;
        try
        {
            response = (await table.GetEntityIfExistsAsync<TableEntity>("clock", "probe", cancellationToken: cancellationToken)).GetRawResponse();
        }
        catch (Exception e) when (e is RequestFailedException or HttpRequestException or AggregateException)
        {
            return DiagnosticCheckResult.Fail(CheckName, $"No storage response to compare with: {DiagnosticsActivity.Describe(e)}.",
                "Fix the storage check first; this one needs a storage response's Date header.");
        }

        var received = timeProvider.GetUtcNow();
        return Evaluate(response.Headers.Date, sent, received);
    }

    /// <summary>The verdict for a storage <c>Date</c> of <paramref name="serverDate"/> on a request sent and answered at the given local times.</summary>
    public static DiagnosticCheckResult Evaluate(DateTimeOffset? serverDate, DateTimeOffset sent, DateTimeOffset received)
    {
        if (serverDate is not { } date)
        {
            return DiagnosticCheckResult.Warn(CheckName, "The storage response carried no Date header; the clock could not be compared.", null);
        }

        // Date has whole seconds: the server's clock was somewhere in [date, date + 1 s) while it answered.
        var middle = sent + ((received - sent) / 2);
        var skew = date + TimeSpan.FromMilliseconds(500) - middle;
        var uncertainty = ((received - sent) / 2) + TimeSpan.FromMilliseconds(500);
        var magnitude = skew.Duration() - uncertainty;
        var text = $"The app's clock is {Format(-skew)} {(skew < TimeSpan.Zero ? "ahead of" : "behind")} storage's (±{uncertainty.TotalSeconds:0.0} s).";
        const string hint = "The app reads time from its host: on Azure the platform keeps it synchronised; locally, sync the machine's clock (NTP). " +
            "Tokens (SignalR client and REST tokens, stream tokens) are refused once clocks differ by about 5 minutes.";
        return magnitude > FailAbove ? DiagnosticCheckResult.Fail(CheckName, text, hint)
            : magnitude > WarnAbove ? DiagnosticCheckResult.Warn(CheckName, text, hint)
            : DiagnosticCheckResult.Ok(CheckName, text);
    }

    private static string Format(TimeSpan span) => $"{span.Duration().TotalSeconds:0.0} s";
}

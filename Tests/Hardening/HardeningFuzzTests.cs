using System.Diagnostics;
using System.Globalization;
using System.Text;
using Azure.Data.Tables;
using FunctionsDashboard.Connections;
using FunctionsDashboard.EventLog;
using FunctionsDashboard.Relay;
using FunctionsDashboard.SignalR;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace FunctionsDashboard.Tests.Hardening;

/// <summary>
/// Issue #14 item 6: a seeded fuzz run of ≥ 10,000 mutated requests against a real DevHost on loopback (real Azurite):
/// no 5xx, every error answer problem+json (status and title, no exception text), state unchanged by rejected input
/// (event log heads, registry rows, dead letters, relay counters: before vs after, minus what 2xx answers account for),
/// and no log line over the bound or holding a secret. The seed is <c>FUZZ_SEED</c> (default 14); per-class counts land
/// in <c>test-output/hardening-fuzz.md</c>.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class HardeningFuzzTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const string AdminKey = "local-dev-admin-key";
    private const int MaxLogMessageLength = 2000;

    [Fact]
    public async Task MutatedRequests_NeverAnswer5xx_ErrorsAreProblemJson_RejectedInputChangesNothing_Issue14()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : 14;
        var logs = new CapturingLoggerProvider(MaxLogMessageLength, [EventPoster.Secret, AdminKey, DevHostServer.LocalAccessKey, "fuzz-secret-token", "secret-token"]);
        await using var server = await DevHostServer.StartAsync(
            azurite.ConnectionString,
            new Dictionary<string, string?>
            {
                ["Relay:AdminKey"] = AdminKey,
                ["Sse:MaxStreamDuration"] = "00:00:05",
                ["Logging:LogLevel:Default"] = "Debug",
                ["Logging:Console:LogLevel:Default"] = "Warning",
            },
            configure: b => b.Logging.AddProvider(logs));

        // A state worth keeping: events in two streams, live connections.
        await EventPoster.PostAsync(server.Client, "/fuzz/baseline-a", Enumerable.Range(1, 12).Select(i => $"base-a-{i}"));
        await EventPoster.PostAsync(server.Client, "/fuzz/baseline-b", Enumerable.Range(1, 5).Select(i => $"base-b-{i}"));
        for (var i = 0; i < 6; i++)
        {
            await ConnectAsync(server, $"baseline-{i}");
        }

        var before = await SnapshotAsync(server);
        Assert.True(before.Heads.Count >= 2 && before.RegistryRows.Count >= 6, "the baseline state is there");

        var fuzzer = new RequestFuzzer(seed, DevHostServer.LocalAccessKey, EventPoster.Secret, AdminKey, server.BaseAddress.GetLeftPart(UriPartial.Authority));
        var cases = fuzzer.Generate().ToList();
        var runner = new FuzzRunner(server.BaseAddress, concurrency: 8);
        var clock = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await runner.RunAsync(cases, timeout.Token);
        clock.Stop();

        var after = await SnapshotAsync(server);
        var stateFailures = CompareState(before, after, runner);
        var report = Report(seed, cases.Count, clock.Elapsed, runner, logs, stateFailures);
        await File.WriteAllTextAsync(Path.Combine(RepoPaths.TestOutput, "hardening-fuzz.md"), report);
        output.WriteLine(report);

        Assert.True(cases.Count >= 10_000, $"{cases.Count} requests");
        Assert.Equal(cases.Count, runner.Tallies.Values.Sum(t => t.Sent) + runner.Failures.Count(f => f.Contains("no answer", StringComparison.Ordinal)));
        Assert.True(runner.Failures.IsEmpty, $"seed {seed}: {runner.Failures.Count} bad answers, e.g.\n" + string.Join("\n", runner.Failures.Take(15)));
        Assert.True(stateFailures.Count == 0, $"seed {seed}: state changed by rejected input:\n" + string.Join("\n", stateFailures.Take(15)));
        Assert.True(logs.Violations.IsEmpty, $"seed {seed}: log hygiene:\n" + string.Join("\n", logs.Violations.Take(10)));
        Assert.True(logs.Messages > 1000, "the log capture saw the run");
        Assert.True(runner.Tallies.Values.Sum(t => t.Rejected) > cases.Count / 2, "most mutants are rejected (else the fuzzer mutates too little)");
    }

    private static async Task ConnectAsync(DevHostServer server, string connectionId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/signalr/upstream") { Content = new StringContent("""{"type":10}""", Encoding.UTF8, "application/json") };
        request.Headers.Add("X-ASRS-Connection-Id", connectionId);
        request.Headers.Add("X-ASRS-Hub", "dashboard");
        request.Headers.Add("X-ASRS-Category", "connections");
        request.Headers.Add("X-ASRS-Event", "connected");
        request.Headers.Add("X-ASRS-User-Id", "baseline");
        request.Headers.Add("X-ASRS-Signature", UpstreamSignature.Compute(connectionId, [DevHostServer.LocalAccessKey]));
        using var response = await server.Client.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.NoContent, response.StatusCode);
    }

    private sealed record Snapshot(
        Dictionary<string, long> Heads,
        Dictionary<string, string> RegistryRows,
        IReadOnlyList<string> DeadLetters,
        RelayStatsSnapshot Stats);

    private static async Task<Snapshot> SnapshotAsync(DevHostServer server)
    {
        var heads = (await server.Services.GetRequiredService<IEventLogReader>().ListStreamsAsync(CancellationToken.None))
            .ToDictionary(h => h.Stream, h => h.LastSeq, StringComparer.Ordinal);

        // Every row of the registry table, tombstones included: key → connection id and state.
        var table = server.Services.GetRequiredService<DashboardStorage>().Table(ConnectionRegistryOptions.TableName);
        var rows = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var row in table.QueryAsync<TableEntity>())
        {
            if (string.IsNullOrEmpty(row.GetString("ConnectionId")))
            {
                continue; // the sweeper's own bookkeeping (last sweep), written by its timer
            }

            rows[$"{row.PartitionKey}/{row.RowKey}"] = $"{row.GetString("ConnectionId")}|{row.GetString("State")}|{row.GetString("UserId")}";
        }

        var deadLetters = await server.Services.GetRequiredService<RelayDeadLetters>().ListAsync(null, RelayDeadLetters.MaxListLimit, CancellationToken.None);
        var stats = server.Services.GetRequiredService<RelayStats>().Snapshot();
        return new Snapshot(heads, rows, deadLetters.Items.Select(d => $"{d.Stream}/{d.Seq}/{d.Id}").Order(StringComparer.Ordinal).ToList(), stats);
    }

    private static List<string> CompareState(Snapshot before, Snapshot after, FuzzRunner runner)
    {
        var failures = new List<string>();
        foreach (var stream in before.Heads.Keys.Union(after.Heads.Keys))
        {
            var grew = after.Heads.GetValueOrDefault(stream) - before.Heads.GetValueOrDefault(stream);
            var accepted = runner.AcceptedPerStream.GetValueOrDefault(stream);
            if (grew != accepted)
            {
                failures.Add($"event log stream '{stream}' grew by {grew}, but 2xx answers accepted {accepted} new events there");
            }
        }

        if (after.Stats.Accepted - before.Stats.Accepted != runner.AcceptedTotal || after.Stats.Duplicates - before.Stats.Duplicates != runner.DuplicatesTotal)
        {
            failures.Add($"relay stats: accepted +{after.Stats.Accepted - before.Stats.Accepted} (acks {runner.AcceptedTotal}), duplicates +{after.Stats.Duplicates - before.Stats.Duplicates} (acks {runner.DuplicatesTotal})");
        }

        bool Untouched(string value) => !runner.AcceptedConnections.ContainsKey(value.Split('|')[0]);
        var kept = before.RegistryRows.Where(r => Untouched(r.Value)).ToHashSet();
        var now = after.RegistryRows.Where(r => Untouched(r.Value)).ToHashSet();
        failures.AddRange(kept.Except(now).Select(r => $"registry row {r.Key} ({r.Value}) changed or vanished"));
        failures.AddRange(now.Except(kept).Select(r => $"registry row {r.Key} ({r.Value}) appeared without a 2xx answer for its connection"));

        if (!before.DeadLetters.SequenceEqual(after.DeadLetters))
        {
            failures.Add($"dead letters: {before.DeadLetters.Count} before, {after.DeadLetters.Count} after");
        }

        return failures;
    }

    private static string Report(int seed, int count, TimeSpan elapsed, FuzzRunner runner, CapturingLoggerProvider logs, List<string> stateFailures)
    {
        var b = new StringBuilder();
        b.AppendLine(CultureInfo.InvariantCulture, $"# Hardening fuzz run (issue #14)\n\nSeed {seed}: {count} requests in {elapsed.TotalSeconds:0.0} s ({count / elapsed.TotalSeconds:0} req/s, 8 concurrent), " +
            $"{runner.Failures.Count} bad answers, {stateFailures.Count} state differences, {logs.Messages} log messages (longest {logs.Longest} chars), {logs.Violations.Count} log violations.\n");
        b.AppendLine(CultureInfo.InvariantCulture, $"2xx answers: {runner.AcceptedTotal} events accepted ({runner.DuplicatesTotal} duplicates) in {runner.AcceptedPerStream.Count} stream(s); {runner.AcceptedConnections.Count} connection id(s) answered 2xx upstream.\n");
        b.AppendLine("| class of input | sent | 2xx/3xx | 4xx | statuses |");
        b.AppendLine("|---|---:|---:|---:|---|");
        foreach (var (name, tally) in runner.Tallies.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var statuses = string.Join(", ", tally.Statuses.OrderBy(x => x.Key).Select(x => $"{x.Key}×{x.Value}"));
            b.AppendLine(CultureInfo.InvariantCulture, $"| `{name}` | {tally.Sent} | {tally.Success} | {tally.Rejected} | {statuses} |");
        }

        b.AppendLine(CultureInfo.InvariantCulture, $"| **total** | {runner.Tallies.Values.Sum(t => t.Sent)} | {runner.Tallies.Values.Sum(t => t.Success)} | {runner.Tallies.Values.Sum(t => t.Rejected)} | |");
        foreach (var failure in runner.Failures.Take(30).Concat(stateFailures.Take(30)).Concat(logs.Violations.Take(30)))
        {
            b.AppendLine("- " + failure);
        }

        return b.ToString();
    }
}

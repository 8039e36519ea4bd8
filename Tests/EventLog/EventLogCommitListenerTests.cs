using System.Collections.Concurrent;
using FunctionsDashboard.EventLog;
using FunctionsDashboard.Tests.Relay;

namespace FunctionsDashboard.Tests.EventLog;

/// <summary>The writer tells every <see cref="IEventLogCommitListener"/> about each durable commit.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class EventLogCommitListenerTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task OnCommitted_ConcurrentAppendsAndRedeliveries_EveryNewEventOnceInSeqOrderWithItsData()
    {
        await using var harness = await EventLogHarness.CreateAsync(azurite.ConnectionString);
        var first = new RecordingListener();
        var second = new RecordingListener();
        var log = harness.CreateLog(listeners: [first, second]);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(c => Task.Run(() =>
            log.AppendAsync([.. Enumerable.Range(0, 5).Select(i => EventLogHarness.Event($"c{c}-{i}"))], CancellationToken.None))));
        await log.AppendAsync([EventLogHarness.Event("c3-1"), EventLogHarness.Event("c7-4")], CancellationToken.None); // redeliveries

        var head = await log.Reader.GetHeadAsync("orders", CancellationToken.None);
        foreach (var listener in new[] { first, second })
        {
            var told = listener.Commits.SelectMany(c => c.Events).ToList();
            Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), told.Select(e => e.Seq));
            Assert.Equal(100, told.Select(e => e.Id).Distinct().Count());
            Assert.All(listener.Commits, c => Assert.Equal(("orders", head!.Generation), (c.Stream, c.Generation)));
            Assert.All(told, e => Assert.Equal(e.Id, e.Data.GetProperty("id").GetString()));
            Assert.Equal(0, listener.Overlaps);
        }

        var stored = await log.ReadAfterAsync("orders", 0, 1000, CancellationToken.None);
        Assert.Equal(stored.Select(e => (e.Id, e.Seq, e.Type, e.Subject, e.Time)), first.Commits.SelectMany(c => c.Events).Select(e => (e.Id, e.Seq, e.Type, e.Subject, e.Time)));
    }

    [Fact]
    public async Task OnCommitted_ListenerThrows_CommitStillAcknowledgedAndOthersTold()
    {
        await using var harness = await EventLogHarness.CreateAsync(azurite.ConnectionString);
        var recording = new RecordingListener();
        var log = harness.CreateLog(listeners: [new ThrowingListener(), recording]);

        var result = await log.AppendAsync([EventLogHarness.Event("e1")], CancellationToken.None);

        Assert.Equal(1, result.Events.Single().Seq);
        Assert.Equal([1L], recording.Commits.SelectMany(c => c.Events).Select(e => e.Seq));
    }

    private sealed class RecordingListener : IEventLogCommitListener
    {
        private int _inside;

        public ConcurrentQueue<CommittedEvents> Commits { get; } = new();

        public int Overlaps { get; private set; }

        public void OnCommitted(CommittedEvents committed)
        {
            if (Interlocked.Increment(ref _inside) > 1)
            {
                Overlaps++;
            }

            Commits.Enqueue(committed);
            Interlocked.Decrement(ref _inside);
        }
    }

    private sealed class ThrowingListener : IEventLogCommitListener
    {
        public void OnCommitted(CommittedEvents committed) => throw new InvalidOperationException("listener bug (test)");
    }
}

using FunctionsDashboard.Relay;

namespace FunctionsDashboard.Tests.Relay;

/// <summary>
/// Cross-instance order (issue 11 items 4 and 6): two delivery instances over one Azurite and one Service, both committing
/// to one stream. Only the holder of the stream's delivery lease (<see cref="RelayDeliveryLease"/>, in the watermark row)
/// sends; the other waits and takes the holder's watermark. So the Service gets the stream once, in seq order, whichever
/// instance committed what.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class RelayDeliveryLeaseTests(AzuriteFixture azurite)
{
    private const string Stream = "orders";

    [Fact]
    public async Task TwoInstances_OtherCommitsWhileTheHolderIsStillSending_WaitsForIt_StreamSentOnceInSeqOrder()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString);
        var b = h.NewInstance();
        using var gate = new ManualResetEventSlim();
        var blocked = 0;
        h.Broadcaster.BeforePush = seq =>
        {
            if (seq == 1 && Interlocked.Exchange(ref blocked, 1) == 0)
            {
                gate.Wait(TimeSpan.FromSeconds(30)); // A's first push is slow: the Service takes its time
            }
        };

        await h.AppendAndOfferAsync(Stream, 2, "a"); // A commits 1..2 and starts sending them
        await Eventually.WaitAsync(() => Task.FromResult(Volatile.Read(ref blocked)), x => x == 1, TimeSpan.FromSeconds(20), "A pushing seq 1");
        await h.AppendAndOfferAsync(b.Listener, Stream, 2, "b"); // B commits 3..4: without the lease it would send 1..4 now
        var start = h.Time.GetUtcNow();
        await Eventually.WaitAsync(() => Task.FromResult(h.Time.GetUtcNow() - start), d => d >= 10 * RelayDeliveryLease.Poll, TimeSpan.FromSeconds(20), "B polling the lease");
        Assert.Empty(h.Broadcaster.Pushes); // B sent nothing while A held the lease
        Assert.Equal(h.Streams.InstanceId, (await h.States.ReadLeaseAsync(Stream, CancellationToken.None))!.Owner);

        gate.Set(); // A finishes 1..2, goes idle, lets go after its linger; B takes the lease from watermark 2 and sends 3..4
        await Eventually.WaitAsync(() => Task.FromResult(b.Streams.For(Stream).Settled), s => s >= 4, TimeSpan.FromSeconds(20), "B settled 4");

        Assert.Equal([1L, 2, 3, 4], h.Broadcaster.Pushes.Select(p => p.Event.Seq));
        Assert.Equal(["a-1", "a-2", "b-1", "b-2"], h.Broadcaster.Pushes.Select(p => p.Event.Id));
        Assert.Equal(2, h.Streams.For(Stream).Settled); // A sent only its own 1..2: B sent 3..4, under the lease it took
        Assert.NotEqual(h.Streams.InstanceId, (await h.States.ReadLeaseAsync(Stream, CancellationToken.None))!.Owner); // B's, or released after B's linger
    }

    [Fact]
    public async Task TwoInstances_OtherCommitsWhileTheHolderIsBusy_HolderFindsThemAtTheHeadWhileLingering_SendsThemWithoutAnOwnCommit()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString);
        var b = h.NewInstance();
        await h.AppendAndOfferAsync(b.Listener, Stream, 2, "b"); // B sends 1..2 and keeps the lease for its linger
        await Eventually.WaitAsync(() => Task.FromResult(b.Streams.For(Stream).Settled), s => s >= 2, TimeSpan.FromSeconds(20), "B settled 2");

        using var gate = new ManualResetEventSlim();
        var blocked = 0;
        h.Broadcaster.BeforePush = seq =>
        {
            if (seq == 3 && Interlocked.Exchange(ref blocked, 1) == 0)
            {
                gate.Wait(TimeSpan.FromSeconds(30));
            }
        };

        await h.AppendAndOfferAsync(Stream, 2, "a"); // A commits 3..4, waits for B's lease (so A knows the stream is shared), then sends
        await Eventually.WaitAsync(() => Task.FromResult(Volatile.Read(ref blocked)), x => x == 1, TimeSpan.FromSeconds(20), "A pushing seq 3");
        await h.AppendAsync(Stream, 2, "c"); // another instance commits 5..6 while A sends; A's fast path is not told

        // A settles 3..4, goes idle holding the lease, and looks at the head while it lingers (the pump moves time by
        // the poll interval, never by the whole linger): it finds 5..6 and sends them. Before, an idle holder did not
        // look, so 5..6 waited for A's next own commit or for the end of its linger.
        gate.Set();
        await h.WaitSettledAsync(Stream, 6);

        Assert.Equal([1L, 2, 3, 4, 5, 6], h.Broadcaster.Pushes.Select(p => p.Event.Seq));
        Assert.Equal(["b-1", "b-2", "a-1", "a-2", "c-1", "c-2"], h.Broadcaster.Pushes.Select(p => p.Event.Id));
        Assert.Equal(2, b.Streams.For(Stream).Settled); // B never looked past its own commits: A sent 3..6
    }

    [Fact]
    public async Task TwoInstances_HolderCommitsAfterTheOther_HolderSendsBothInOrder_TheOthersMessageFindsItSettled()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString);
        var b = h.NewInstance();
        await h.AppendAndOfferAsync(Stream, 2, "a");
        await h.WaitSettledAsync(Stream, 2);

        var fromB = await h.AppendAsync(Stream, 2, "b"); // B committed 3..4 (its fast path did not run: a crash, or it is slow)
        await h.AppendAndOfferAsync(Stream, 2, "c"); // A commits 5..6: the gap tells A another instance committed 3..4
        await h.WaitSettledAsync(Stream, 6);
        await Eventually.WaitAsync(() => h.States.ReadLeaseAsync(Stream, CancellationToken.None), r => r?.Through == 6, TimeSpan.FromSeconds(20), "A's watermark 6 stored");

        var outcome = await b.Delivery.DeliverAsync(fromB, CancellationToken.None); // B's safety net for 3..4

        Assert.Equal(6, outcome.SettledThrough);
        Assert.Equal([1L, 2, 3, 4, 5, 6], h.Broadcaster.Pushes.Select(p => p.Event.Seq));
        Assert.Equal(6, h.Stats.Snapshot().Delivered);
    }

    [Fact]
    public async Task LeaseOfAStoppedInstance_Released_ANewInstanceTakesItAtOnce_FromItsWatermark()
    {
        await using var h = await RelayDeliveryHarness.CreateAsync(azurite.ConnectionString);
        await h.AppendAndOfferAsync(Stream, 3, "a");
        await h.WaitSettledAsync(Stream, 3);

        await h.StopAsync(); // the host stops: the idle sender gives its lease back with the watermark
        await Eventually.WaitAsync(() => h.States.ReadLeaseAsync(Stream, CancellationToken.None), r => r is { Owner: "", Through: 3 }, TimeSpan.FromSeconds(20), "lease released at 3");
        h.Restart();
        await h.AppendAndOfferAsync(Stream, 1, "b");
        await h.WaitSettledAsync(Stream, 4);

        Assert.Equal([1L, 2, 3, 4], h.Broadcaster.Pushes.Select(p => p.Event.Seq));
        Assert.Equal(h.Streams.InstanceId, (await h.States.ReadLeaseAsync(Stream, CancellationToken.None))!.Owner);
    }
}

namespace FunctionsDashboard.DevHost.FunctionRunners;

/// <summary>The kinds of trigger DevHost can run.</summary>
internal enum TriggerKind
{
    Http,
    Timer,
    Queue,
}

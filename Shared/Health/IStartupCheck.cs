namespace FunctionsDashboard.Health;

/// <summary>
/// A check that must pass before the host starts at all (a programming or configuration defect, not a transient
/// condition): it runs synchronously when the host starts, and an exception stops startup.
/// </summary>
public interface IStartupCheck
{
    /// <summary>Runs the check; throws to stop startup.</summary>
    void Check();
}

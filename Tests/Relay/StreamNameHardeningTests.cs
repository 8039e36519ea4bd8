using FunctionsDashboard.Relay;

namespace FunctionsDashboard.Tests.Relay;

/// <summary>Found by the fuzz run (issue #14): a long source whose 183-character cut ended in a dash gave a stream name the read APIs refuse.</summary>
public sealed class StreamNameHardeningTests
{
    [Theory]
    [InlineData(182)]
    [InlineData(183)]
    [InlineData(184)]
    public void From_LongSourceCutAfterADash_IsAValidName_Issue14(int dashAt)
    {
        var source = new string('a', dashAt) + " " + new string('b', 400);

        var name = StreamName.From(source);

        Assert.True(StreamName.IsValid(name), name);
        Assert.DoesNotContain("--", name, StringComparison.Ordinal);
        Assert.True(name.Length <= StreamName.MaxLength);
    }
}

using FunctionsDashboard.DevHost.LocalEventGrid;

namespace FunctionsDashboard.Tests.DevHost.LocalEventGrid;

public sealed class RetryScheduleTests
{
    [Theory]
    [InlineData(1, "00:00:10")]
    [InlineData(2, "00:00:30")]
    [InlineData(3, "00:01:00")]
    [InlineData(4, "00:05:00")]
    [InlineData(5, "00:10:00")]
    [InlineData(6, "00:30:00")]
    [InlineData(7, "01:00:00")]
    [InlineData(8, "03:00:00")]
    [InlineData(9, "06:00:00")]
    [InlineData(10, "12:00:00")]
    [InlineData(29, "12:00:00")]
    public void NominalDelay_AfterFailedAttempt_IsEventGridsSchedule(int failedAttempts, string expected)
    {
        Assert.Equal(TimeSpan.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), RetrySchedule.NominalDelay(failedAttempts));
    }

    [Fact]
    public void Delay_AnyRandomDraw_StaysWithinTenPercentOfNominal()
    {
        for (var attempt = 1; attempt <= 30; attempt++)
        {
            var nominal = RetrySchedule.NominalDelay(attempt);
            foreach (var u in new[] { 0.0, 0.25, 0.5, 0.75, 0.999999 })
            {
                Assert.InRange(RetrySchedule.Delay(attempt, u, timeScale: 1), nominal * 0.9, nominal * 1.1);
            }
        }

        Assert.Equal(TimeSpan.FromSeconds(9), RetrySchedule.Delay(1, 0, 1));
        Assert.Equal(TimeSpan.FromSeconds(10), RetrySchedule.Delay(1, 0.5, 1));
    }

    [Fact]
    public void Delay_TimeScale_CompressesTheSchedule()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(100), RetrySchedule.Delay(1, 0.5, timeScale: 0.01));
        Assert.Equal(TimeSpan.FromSeconds(36), RetrySchedule.Delay(7, 0.5, timeScale: 0.01));
    }

    [Fact]
    public void NominalDelay_NoFailedAttempt_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RetrySchedule.NominalDelay(0));
    }
}

using FunctionsDashboard.DevHost.LocalEventGrid;

namespace FunctionsDashboard.Tests.DevHost.LocalEventGrid;

public sealed class DeliveryClassifierTests
{
    [Theory]
    [InlineData(200, nameof(DeliveryDecision.Delivered))]
    [InlineData(201, nameof(DeliveryDecision.Delivered))]
    [InlineData(202, nameof(DeliveryDecision.Delivered))]
    [InlineData(204, nameof(DeliveryDecision.Delivered))]
    [InlineData(205, nameof(DeliveryDecision.Retry))]
    [InlineData(301, nameof(DeliveryDecision.Retry))]
    [InlineData(400, nameof(DeliveryDecision.DeadLetter))]
    [InlineData(401, nameof(DeliveryDecision.DeadLetter))]
    [InlineData(403, nameof(DeliveryDecision.DeadLetter))]
    [InlineData(413, nameof(DeliveryDecision.DeadLetter))]
    [InlineData(404, nameof(DeliveryDecision.Retry))]
    [InlineData(408, nameof(DeliveryDecision.Retry))]
    [InlineData(415, nameof(DeliveryDecision.Retry))]
    [InlineData(429, nameof(DeliveryDecision.Retry))]
    [InlineData(500, nameof(DeliveryDecision.Retry))]
    [InlineData(503, nameof(DeliveryDecision.Retry))]
    [InlineData(null, nameof(DeliveryDecision.Retry))]
    public void Classify_Answer_FollowsEventGridsRules(int? status, string expected)
    {
        Assert.Equal(expected, DeliveryClassifier.Classify(status).ToString());
    }
}

namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>What the dice decided for one REST call.</summary>
internal enum RestFault
{
    None,
    TooManyRequests,
    Error500,
    Error502,
    Error503,
    Error504,
    FailAfterDelivery,
}

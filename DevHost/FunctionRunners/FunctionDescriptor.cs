using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsDashboard.DevHost.FunctionRunners;

/// <summary>One <c>[Function]</c> method and its trigger.</summary>
internal sealed record FunctionDescriptor(string Name, Type ClassType, MethodInfo Method, TriggerKind Kind, Attribute Trigger, ParameterInfo TriggerParameter)
{
    public HttpTriggerAttribute HttpTrigger => (HttpTriggerAttribute)Trigger;

    public TimerTriggerAttribute TimerTrigger => (TimerTriggerAttribute)Trigger;

    public QueueTriggerAttribute QueueTrigger => (QueueTriggerAttribute)Trigger;
}

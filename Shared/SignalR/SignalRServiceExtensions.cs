using FunctionsDashboard.Health;
using FunctionsDashboard.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Polly;

namespace FunctionsDashboard.SignalR;

/// <summary>Registers the SignalR Service protocol: options, tokens, the REST client and its pipeline.</summary>
public static class SignalRServiceExtensions
{
    /// <summary>Adds the SignalR Service (serverless) protocol services.</summary>
    public static TBuilder AddSignalRService<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        services.AddValidatedOptions<SignalROptions, SignalROptionsValidator>(SignalROptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<SignalROptions>, SignalROptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<SignalROptions>, SignalROptionsSetup>());

        services.TryAddSingleton<SignalRCredential>();
        services.AddHttpClient(SignalREntraAccessKey.HttpClientName);
        services.TryAddSingleton(sp => ActivatorUtilities.CreateInstance<SignalREntraAccessKey>(sp,
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(SignalREntraAccessKey.HttpClientName)));
        // Under Entra the first signing key is fetched before the app reports ready (negotiate answers 503 until then).
        services.AddSingleton<IStartupStep, SignalREntraAccessKeyStep>();

        services.TryAddSingleton<SignalRTokenService>();
        services.TryAddSingleton<SignalRTokenValidator>();
        services.AddResiliencePipeline(SignalRRestClient.PipelineName, (pipeline, context) =>
        {
            pipeline.TimeProvider = context.ServiceProvider.GetRequiredService<TimeProvider>();
            SignalRRestPipeline.Configure(pipeline, context.ServiceProvider.GetRequiredService<IOptions<DashboardOptions>>().Value.ConnectionTimeout);
        });
        services.AddHttpClient<SignalRRestClient>(client => client.Timeout = Timeout.InfiniteTimeSpan);
        services.TryAddTransient<IHubBroadcaster>(sp => sp.GetRequiredService<SignalRRestClient>());
        services.TryAddTransient<IConnectionCloser>(sp => sp.GetRequiredService<SignalRRestClient>());
        return builder;
    }
}

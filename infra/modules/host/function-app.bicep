// The function app on a Flex Consumption (FC1) plan: .NET 10 isolated worker, one user-assigned identity for storage,
// deployment storage and Application Insights. docs/deploy.md explains the plan choice (SSE streaming included).
//
// App settings carry exactly the option names the app reads (Shared/Configuration/AppSettings.cs lists them, and
// Tests/Infra checks this template against that list). FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION are
// not app settings on Flex Consumption: the runtime is functionAppConfig.runtime below.

@description('Name of the function app.')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region of the plan and the app.')
param location string

@description('Tags for the plan and the app (the app also gets azd-service-name).')
param tags object

@description('azd service name of the app (azure.yaml), written to its azd-service-name tag.')
param serviceName string

@description('Resource id of the user-assigned managed identity the app runs as.')
param identityId string

@description('Client id of that identity.')
param identityClientId string

@description('Name of the storage account (AzureWebJobsStorage).')
param storageAccountName string

@description('Blob service endpoint of the storage account.')
param blobEndpoint string

@description('Queue service endpoint of the storage account.')
param queueEndpoint string

@description('Table service endpoint of the storage account.')
param tableEndpoint string

@description('Blob container Flex Consumption deploys the app package to.')
param deploymentContainerName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Name of the SignalR Service whose primary connection string the app signs client tokens with.')
param signalRName string

@description('SignalR hub name (setting SignalR__HubName).')
param hubName string

@description('Origin of the dashboard page allowed by CORS (setting SignalR__AllowedOrigins__0); empty for the app\'s own origin.')
param dashboardOrigin string

@secure()
@description('Shared secret Event Grid presents to the webhook (setting Relay__WebhookSecret).')
param webhookSecret string

@description('Dashboard__HeartbeatInterval, as a TimeSpan (hh:mm:ss).')
param heartbeatInterval string

@description('Dashboard__StaleTimeout, as a TimeSpan (hh:mm:ss).')
param staleTimeout string

@description('Dashboard__ConnectionTimeout, as a TimeSpan (hh:mm:ss).')
param connectionTimeout string

@description('Memory of each instance in MB (512, 2048 or 4096); Flex Consumption bills GB-seconds of it while functions run.')
@minValue(512)
@maxValue(4096)
param instanceMemoryMB int

@description('Most instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Concurrent HTTP requests per instance. Each open SSE stream holds one for up to ~3 min, so this is higher than the default.')
@minValue(1)
@maxValue(1000)
param httpPerInstanceConcurrency int

// The two sweep timers fire together every 90 s: 0:00, 1:30, 3:00, ... (protocols.md §3, option b).
var sweepScheduleA = '0 */3 * * * *'
var sweepScheduleB = '30 1-59/3 * * * *'

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource signalR 'Microsoft.SignalRService/signalR@2024-03-01' existing = {
  name: signalRName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        triggers: {
          http: {
            perInstanceConcurrency: httpPerInstanceConcurrency
          }
        }
      }
    }
  }
}

// Publishing with basic (user/password) credentials is off: azd and the CLI deploy with Entra ID.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: {
    // Identity-based AzureWebJobsStorage, read by the Functions host and by the app (StorageOptionsSetup).
    AzureWebJobsStorage__accountName: storage.name
    AzureWebJobsStorage__blobServiceUri: blobEndpoint
    AzureWebJobsStorage__queueServiceUri: queueEndpoint
    AzureWebJobsStorage__tableServiceUri: tableEndpoint
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId

    // Telemetry with Entra ID: the component has local auth off. The host (host.json telemetryMode OpenTelemetry) and
    // the worker's Azure Monitor exporter (Shared/Observability, docs/observability.md) both read these two settings.
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'

    // Serverless SignalR with the app's identity (Microsoft.Azure.SignalR's connection-string form): REST calls carry an
    // Entra token, client tokens are signed with the key the Service hands the identity. No key in the settings.
    AzureSignalRConnectionString: 'Endpoint=https://${signalR.properties.hostName};AuthType=azure.msi;ClientId=${identityClientId};Version=1.0;'
    SignalR__HubName: hubName
    SignalR__AllowedOrigins__0: empty(dashboardOrigin) ? 'https://${site.properties.defaultHostName}' : dashboardOrigin

    Relay__WebhookSecret: webhookSecret

    SweepScheduleA: sweepScheduleA
    SweepScheduleB: sweepScheduleB

    Dashboard__HeartbeatInterval: heartbeatInterval
    Dashboard__StaleTimeout: staleTimeout
    Dashboard__ConnectionTimeout: connectionTimeout
  }
}

@description('Name of the function app.')
output name string = site.name

@description('Default host name of the function app (no scheme).')
output defaultHostName string = site.properties.defaultHostName

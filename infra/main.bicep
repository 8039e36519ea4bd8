// FunctionsDashboard in Azure: a resource group with the function app (Flex Consumption, .NET 10 isolated), its
// storage, Azure SignalR Service (Serverless, upstream to the app), an Event Grid topic with a webhook subscription to
// the app, Application Insights + Log Analytics, and one user-assigned managed identity. See docs/deploy.md.
//
// Two passes (azd: `azd up`, then WIRE_ENDPOINTS=true and `azd provision`): the SignalR upstream needs the running
// host's function key, and Event Grid validates the webhook while it creates the subscription, so both are wired only
// once the app code is deployed and answering.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the environment (azd env name): names the resource group and seeds the resource token.')
param environmentName string

@minLength(1)
@description('Azure region of every resource. It must offer the Flex Consumption plan.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Name of the resource group to create or reuse; empty for rg-<environmentName>.')
param resourceGroupName string = ''

@description('Object id of the deploying user or principal, granted EventGrid Data Sender on the topic to publish test events; empty for none.')
param principalId string = ''

@description('Type of principalId.')
@allowed(['User', 'Group', 'ServicePrincipal'])
param principalType string = 'User'

@secure()
@minLength(32)
@description('Shared secret Event Grid presents to the webhook (app setting Relay__WebhookSecret). At least 32 characters, URL-safe, e.g. `openssl rand -hex 32`.')
param relayWebhookSecret string

@description('False for the first pass. True once the app code is deployed and answers: wires the SignalR upstream (needs the host\'s function key) and creates the Event Grid webhook subscription (needs the validation handshake).')
param wireEndpoints bool = false

@description('SignalR Service tier: Free_F1 (no cost; 20 connections, 20k messages/day, no SLA), Standard_S1 (1,000 connections per unit), Premium_P1.')
@allowed(['Free_F1', 'Standard_S1', 'Premium_P1'])
param signalRSku string = 'Free_F1'

@minValue(1)
@description('SignalR Service units (Free_F1: 1).')
param signalRCapacity int = 1

@description('SignalR hub name (app setting SignalR__HubName); the upstream forwards this hub\'s events.')
param signalRHubName string = 'dashboard'

@minValue(1)
@maxValue(120)
@description('Seconds of client silence (keep-alive pings included) after which SignalR Service drops a client: serverless.connectionTimeoutInSeconds. Clients ping every 15 s.')
param signalRConnectionTimeoutInSeconds int = 30

@description('Origin of the dashboard page (scheme://host[:port]) allowed by CORS on negotiate and on the Service; empty for the function app\'s own origin, which serves the page.')
param dashboardOrigin string = ''

@description('Event schema of the topic and its deliveries. The relay accepts both; CloudEvents 1.0 is the open standard.')
@allowed(['CloudEventSchemaV1_0', 'EventGridSchema'])
param eventSchema string = 'CloudEventSchemaV1_0'

@minValue(1)
@maxValue(30)
@description('Event Grid delivery attempts before an event is dead-lettered to the eventgrid-deadletter container.')
param eventGridMaxDeliveryAttempts int = 30

@minValue(1)
@maxValue(1440)
@description('Minutes Event Grid keeps retrying an event before it is dead-lettered.')
param eventGridEventTtlMinutes int = 1440

@minValue(512)
@maxValue(4096)
@description('Memory per function app instance in MB: 512, 2048 or 4096. Flex Consumption bills GB-seconds of it while any function runs (an open SSE stream counts).')
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
@description('Most instances the function app scales out to.')
param maximumInstanceCount int = 100

@minValue(1)
@maxValue(1000)
@description('Concurrent HTTP requests per instance before Flex Consumption adds one. Each open SSE stream holds one request for up to ~3 min.')
param httpPerInstanceConcurrency int = 100

@description('Dashboard__HeartbeatInterval (hh:mm:ss): how often dashboards send heartbeat; SSE heartbeat comments.')
param heartbeatInterval string = '00:00:25'

@description('Dashboard__StaleTimeout (hh:mm:ss): a connection not seen for this long is swept. At least 2 x heartbeatInterval.')
param staleTimeout string = '00:01:30'

@description('Dashboard__ConnectionTimeout (hh:mm:ss): per-try timeout of outbound calls.')
param connectionTimeout string = '00:00:10'

@minValue(-1)
@description('Daily Log Analytics ingestion cap in GB; -1 for none.')
param logDailyCapGb int = 1

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}

// The function app's HTTP routes the cloud services call (host.json routePrefix "api"; Tests/Infra checks both).
var upstreamPath = '/api/signalr/upstream'
var webhookPath = '/api/eventgrid'

// Storage the app uses, by the base names in its code (no Storage__Prefix in Azure).
var deadLetterContainerName = 'eventgrid-deadletter'
var deploymentContainerName = 'app-package'
var storageTables = ['connections', 'eventlog', 'deadletters']
var storageQueues = ['relay-delivery', 'relay-delivery-poison']

// Names are known before deployment (not read from module outputs) so What-If can predict every resource.
var names = {
  identity: '${abbrs.managedIdentityUserAssignedIdentities}${resourceToken}'
  logAnalytics: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
  applicationInsights: '${abbrs.insightsComponents}${resourceToken}'
  storage: '${abbrs.storageStorageAccounts}${resourceToken}'
  topic: '${abbrs.eventGridDomainsTopics}${resourceToken}'
  signalR: '${abbrs.signalRServiceSignalR}${resourceToken}'
  plan: '${abbrs.webServerFarms}${resourceToken}'
  functionApp: '${abbrs.webSitesFunctions}${resourceToken}'
}
var apiServiceName = 'api'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: empty(resourceGroupName) ? '${abbrs.resourcesResourceGroups}${environmentName}' : resourceGroupName
  location: location
  tags: tags
}

module identity 'modules/identity/user-assigned-identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitor/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
    dailyCapGb: logDailyCapGb
  }
}

module storage 'modules/storage/storage-account.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: names.storage
    location: location
    tags: tags
    containers: [deadLetterContainerName, deploymentContainerName]
    queues: storageQueues
    tables: storageTables
  }
}

module topic 'modules/eventgrid/topic.bicep' = {
  name: 'eventgrid-topic'
  scope: rg
  params: {
    name: names.topic
    location: location
    tags: tags
    inputSchema: eventSchema
  }
}

module rbac 'modules/security/role-assignments.bicep' = {
  name: 'role-assignments'
  scope: rg
  dependsOn: [storage, monitoring, signalR]
  params: {
    // Role assignment names include the principal (guid(scope, principal, role)), which exists only at deployment
    // time; What-If cannot predict them, by design.
    #disable-next-line what-if-short-circuiting
    appPrincipalId: identity.outputs.principalId
    #disable-next-line what-if-short-circuiting
    topicPrincipalId: topic.outputs.principalId
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
    storageAccountName: names.storage
    deadLetterContainerName: deadLetterContainerName
    applicationInsightsName: names.applicationInsights
    topicName: names.topic
    signalRName: names.signalR
  }
}

// Before the app and its role assignments: the app's settings name its host, and its identity gets SignalR App Server. The upstream reads the app by name (no dependency), and only when
// wireEndpoints says the app already exists.
module signalR 'modules/signalr/signalr.bicep' = {
  name: 'signalr'
  scope: rg
  params: {
    name: names.signalR
    location: location
    tags: tags
    skuName: signalRSku
    capacity: signalRCapacity
    dashboardOrigin: dashboardOrigin
    connectionTimeoutInSeconds: signalRConnectionTimeoutInSeconds
    hubName: signalRHubName
    wireUpstream: wireEndpoints
    functionAppName: names.functionApp
    upstreamPath: upstreamPath
  }
}

module functionApp 'modules/host/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  // The identity's roles first, so the host can reach storage the moment it starts.
  dependsOn: [rbac, signalR]
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    serviceName: apiServiceName
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: names.storage
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: names.applicationInsights
    signalRName: names.signalR
    hubName: signalRHubName
    dashboardOrigin: dashboardOrigin
    webhookSecret: relayWebhookSecret
    heartbeatInterval: heartbeatInterval
    staleTimeout: staleTimeout
    connectionTimeout: connectionTimeout
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    httpPerInstanceConcurrency: httpPerInstanceConcurrency
  }
}

module webhookSubscription 'modules/eventgrid/webhook-subscription.bicep' = if (wireEndpoints) {
  name: 'eventgrid-webhook'
  scope: rg
  // The app must hold the new secret before Event Grid's validation handshake reaches it.
  dependsOn: [functionApp, rbac, topic]
  params: {
    topicName: names.topic
    name: 'dashboard-relay'
    functionAppName: names.functionApp
    webhookPath: webhookPath
    webhookSecret: relayWebhookSecret
    deliverySchema: eventSchema
    maxDeliveryAttempts: eventGridMaxDeliveryAttempts
    eventTimeToLiveInMinutes: eventGridEventTtlMinutes
    deadLetterStorageAccountId: storage.outputs.id
    deadLetterContainerName: deadLetterContainerName
  }
}

@description('Azure region of the deployment.')
output AZURE_LOCATION string = location

@description('Microsoft Entra tenant of the deployment.')
output AZURE_TENANT_ID string = tenant().tenantId

@description('Name of the resource group.')
output AZURE_RESOURCE_GROUP string = rg.name

@description('Name of the function app (azd service "api").')
output SERVICE_API_NAME string = functionApp.outputs.name

@description('Base URL of the function app, e.g. https://<app>.azurewebsites.net.')
output SERVICE_API_URI string = 'https://${functionApp.outputs.defaultHostName}'

@description('Name of the storage account.')
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name

@description('Name of the SignalR Service.')
output AZURE_SIGNALR_NAME string = signalR.outputs.name

@description('Endpoint of the SignalR Service (no key).')
output AZURE_SIGNALR_ENDPOINT string = signalR.outputs.endpoint

@description('URL the SignalR upstream calls, without its function key.')
output SIGNALR_UPSTREAM_URL string = 'https://${functionApp.outputs.defaultHostName}${upstreamPath}'

@description('Name of the Event Grid topic.')
output EVENTGRID_TOPIC_NAME string = topic.outputs.name

@description('Endpoint producers publish events to (Entra ID auth, EventGrid Data Sender role).')
output EVENTGRID_TOPIC_ENDPOINT string = topic.outputs.endpoint

@description('URL Event Grid delivers to, without its secret.')
output EVENTGRID_WEBHOOK_URL string = 'https://${functionApp.outputs.defaultHostName}${webhookPath}'

@description('True when the SignalR upstream and the Event Grid subscription are wired to the app.')
output WIRE_ENDPOINTS bool = wireEndpoints

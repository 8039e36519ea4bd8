// Parameters from environment variables (azd passes its environment: `azd env set NAME value`), with defaults.
using './main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'dashboard-dev')
param location = readEnvironmentVariable('AZURE_LOCATION', 'swedencentral')
param resourceGroupName = readEnvironmentVariable('AZURE_RESOURCE_GROUP', '')
param principalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID', '')
param principalType = readEnvironmentVariable('AZURE_PRINCIPAL_TYPE', 'User')

// No default: azure.yaml's preprovision hook generates one into the azd environment when it is missing.
param relayWebhookSecret = readEnvironmentVariable('RELAY_WEBHOOK_SECRET', '')
param wireEndpoints = bool(readEnvironmentVariable('WIRE_ENDPOINTS', 'false'))

param signalRSku = readEnvironmentVariable('SIGNALR_SKU', 'Free_F1')
param signalRCapacity = int(readEnvironmentVariable('SIGNALR_CAPACITY', '1'))
param signalRHubName = readEnvironmentVariable('SIGNALR_HUB_NAME', 'dashboard')
param signalRConnectionTimeoutInSeconds = int(readEnvironmentVariable('SIGNALR_CONNECTION_TIMEOUT_SECONDS', '30'))
param dashboardOrigin = readEnvironmentVariable('DASHBOARD_ORIGIN', '')

param eventSchema = readEnvironmentVariable('EVENTGRID_SCHEMA', 'CloudEventSchemaV1_0')
param eventGridMaxDeliveryAttempts = int(readEnvironmentVariable('EVENTGRID_MAX_DELIVERY_ATTEMPTS', '30'))
param eventGridEventTtlMinutes = int(readEnvironmentVariable('EVENTGRID_EVENT_TTL_MINUTES', '1440'))

param instanceMemoryMB = int(readEnvironmentVariable('FUNCTION_INSTANCE_MEMORY_MB', '2048'))
param maximumInstanceCount = int(readEnvironmentVariable('FUNCTION_MAXIMUM_INSTANCE_COUNT', '100'))
param httpPerInstanceConcurrency = int(readEnvironmentVariable('FUNCTION_HTTP_PER_INSTANCE_CONCURRENCY', '100'))

param heartbeatInterval = readEnvironmentVariable('DASHBOARD_HEARTBEAT_INTERVAL', '00:00:25')
param staleTimeout = readEnvironmentVariable('DASHBOARD_STALE_TIMEOUT', '00:01:30')
param connectionTimeout = readEnvironmentVariable('DASHBOARD_CONNECTION_TIMEOUT', '00:00:10')

param logDailyCapGb = int(readEnvironmentVariable('LOG_DAILY_CAP_GB', '1'))

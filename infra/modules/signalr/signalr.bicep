// Azure SignalR Service in Serverless mode. Dashboards connect to the Service; the Service reports connected,
// disconnected and client invocations (heartbeat) to the function app's upstream route.
//
// Local (access key) auth stays ON: the app signs client and REST tokens with the access key itself (serverless, no
// SignalR SDK). Turning it off needs the Entra flow (GET /api/v1/auth/accessKey with a managed-identity token, then
// sign with that key and its kid) in the app first; docs/deploy.md lists this as an open item.

@description('Name of the SignalR Service.')
param name string

@description('Azure region of the service.')
param location string

@description('Tags for the service.')
param tags object

@description('Pricing tier: Free_F1 (20 connections, 20k messages/day, no SLA), Standard_S1 or Premium_P1.')
@allowed(['Free_F1', 'Standard_S1', 'Premium_P1'])
param skuName string

@description('Units of the tier (Free_F1 allows only 1).')
@minValue(1)
param capacity int

@description('Origin of the dashboard page, allowed to reach the Service from a browser; empty for the function app\'s own origin (any origin until the app exists).')
param dashboardOrigin string

@description('Seconds without any message (keep-alive pings included) after which the Service drops a client (serverless.connectionTimeoutInSeconds, 1-120).')
@minValue(1)
@maxValue(120)
param connectionTimeoutInSeconds int

@description('The hub whose events go upstream (setting SignalR__HubName).')
param hubName string

@description('True once the function app exists and runs: the upstream then points at it, with the host\'s default function key.')
param wireUpstream bool

@description('Name of the function app the upstream calls (read only when wireUpstream is true).')
param functionAppName string

@description('Route of the upstream function, after the host name (the route prefix included), e.g. /api/signalr/upstream.')
param upstreamPath string

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

// The key is read inside this deployment, only when the app exists, and never leaves it as a parameter or output.
// ARM's if() evaluates only the branch it takes, so the first pass never reads the not-yet-existing app.
var upstreamTemplates = wireUpstream
  ? [
      {
        hubPattern: hubName
        categoryPattern: '*'
        eventPattern: '*'
        urlTemplate: 'https://${functionApp.properties.defaultHostName}${upstreamPath}?code=${listKeys('${functionApp.id}/host/default', functionApp.apiVersion).functionKeys.default}'
      }
    ]
  : []

// Browsers call the Service's /client/negotiate with the access token the app issued; the token, not CORS, is what
// admits a client, so '*' before the app exists is no weaker than the Service's own default.
var allowedOrigins = !empty(dashboardOrigin)
  ? [dashboardOrigin]
  : wireUpstream ? ['https://${functionApp.properties.defaultHostName}'] : ['*']

resource signalR 'Microsoft.SignalRService/signalR@2024-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'SignalR'
  sku: {
    name: skuName
    capacity: capacity
  }
  properties: {
    features: [
      {
        flag: 'ServiceMode'
        value: 'Serverless'
      }
    ]
    cors: {
      allowedOrigins: allowedOrigins
    }
    serverless: {
      connectionTimeoutInSeconds: connectionTimeoutInSeconds
    }
    upstream: {
      templates: upstreamTemplates
    }
    // Identity only: the app fetches its client-token signing key from /api/v1/auth/accessKey with its managed identity
    // (SignalR App Server role) and calls the REST API with an Entra token; no access key exists or is read.
    disableLocalAuth: true
    disableAadAuth: false
    publicNetworkAccess: 'Enabled'
    tls: {
      clientCertEnabled: false
    }
  }
}

@description('Name of the SignalR Service.')
output name string = signalR.name

@description('Public endpoint of the Service, e.g. https://<name>.service.signalr.net (no key).')
output endpoint string = 'https://${signalR.properties.hostName}'

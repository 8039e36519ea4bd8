// Every role assignment of the deployment, in one place. Names are guid(scope, principal, role) so re-deploying is
// idempotent; principalType is set so ARM does not wait for directory replication of a new identity.
//
// The app's identity gets the data roles the app and the Functions host need with shared keys off:
// Storage Blob Data Owner (host locks and timer state, Flex deployment package, blobs), Storage Queue Data Contributor
// (relay-delivery queue and its trigger), Storage Table Data Contributor (connections, eventlog, deadletters), and
// Monitoring Metrics Publisher (telemetry with Entra ID), and SignalR App Server on the SignalR Service (REST API and
// the client-token signing key, local auth being off). No control-plane role (e.g. Storage Account Contributor).

@description('Object id of the function app\'s user-assigned identity.')
param appPrincipalId string

@description('Object id of the Event Grid topic\'s system-assigned identity (writes dead-lettered events).')
param topicPrincipalId string

@description('Object id of a user or group to let publish test events to the topic; empty for none.')
param deployerPrincipalId string

@description('Type of deployerPrincipalId.')
@allowed(['User', 'Group', 'ServicePrincipal'])
param deployerPrincipalType string

@description('Name of the storage account.')
param storageAccountName string

@description('Name of the Event Grid dead-letter container in that account.')
param deadLetterContainerName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Name of the Event Grid topic.')
param topicName string

@description('Name of the SignalR Service.')
param signalRName string

var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  eventGridDataSender: 'd5a91429-5739-47e2-a06b-3470a27159e7'
  signalRAppServer: '420fcaa2-552c-430f-98ca-3264be4806c7'
}

var appStorageRoles = [
  roles.storageBlobDataOwner
  roles.storageQueueDataContributor
  roles.storageTableDataContributor
]

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource deadLetterContainer 'containers' existing = {
      name: deadLetterContainerName
    }
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource topic 'Microsoft.EventGrid/topics@2025-02-15' existing = {
  name: topicName
}

resource signalR 'Microsoft.SignalRService/signalR@2024-03-01' existing = {
  name: signalRName
}

resource appSignalR 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(signalR.id, appPrincipalId, roles.signalRAppServer)
  scope: signalR
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.signalRAppServer)
  }
}

resource appStorage 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in appStorageRoles: {
    name: guid(storage.id, appPrincipalId, role)
    scope: storage
    properties: {
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    }
  }
]

resource appTelemetry 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, appPrincipalId, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      roles.monitoringMetricsPublisher
    )
  }
}

// Scoped to the dead-letter container only: the topic can write nowhere else.
resource topicDeadLetter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage::blobService::deadLetterContainer.id, topicPrincipalId, roles.storageBlobDataContributor)
  scope: storage::blobService::deadLetterContainer
  properties: {
    principalId: topicPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      roles.storageBlobDataContributor
    )
  }
}

resource deployerPublish 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(topic.id, deployerPrincipalId, roles.eventGridDataSender)
  scope: topic
  properties: {
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.eventGridDataSender)
  }
}

// The Event Grid custom topic producers publish to. Access keys are off: producers publish with Entra ID and the
// EventGrid Data Sender role. The topic's system-assigned identity writes dead-lettered events to blob storage.

@description('Name of the topic.')
param name string

@description('Azure region of the topic.')
param location string

@description('Tags for the topic.')
param tags object

@description('Schema producers publish in, and that the webhook receives (the app accepts both).')
@allowed(['CloudEventSchemaV1_0', 'EventGridSchema'])
param inputSchema string

resource topic 'Microsoft.EventGrid/topics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    inputSchema: inputSchema
    disableLocalAuth: true
    minimumTlsVersionAllowed: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

@description('Name of the topic.')
output name string = topic.name

@description('Endpoint producers publish to.')
output endpoint string = topic.properties.endpoint

@description('Object id of the topic\'s system-assigned identity (dead-letter writer).')
output principalId string = topic.identity.principalId

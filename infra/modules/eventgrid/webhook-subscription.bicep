// The webhook subscription that delivers the topic's events to the function app's relay route. Create it only once
// the app is deployed and answering: Event Grid validates the endpoint while creating the subscription (CloudEvents:
// an OPTIONS handshake; Event Grid schema: a SubscriptionValidation event).
//
// Event Grid does not sign deliveries, so the URL carries the shared secret as the `code` query value (the relay
// also accepts the X-Dashboard-Webhook-Secret header). Event Grid stores the full endpoint URL as a secret and shows
// only endpointBaseUrl; the value comes from a secure parameter and is never an output.

@description('Name of the topic the subscription belongs to.')
param topicName string

@description('Name of the subscription.')
param name string

@description('Name of the function app that receives the events.')
param functionAppName string

@description('Route of the relay function, after the host name (the route prefix included), e.g. /api/eventgrid.')
param webhookPath string

@secure()
@description('Shared secret the relay requires (its setting Relay__WebhookSecret).')
param webhookSecret string

@description('Schema events are delivered in (must match the topic\'s input schema for CloudEvents).')
@allowed(['CloudEventSchemaV1_0', 'EventGridSchema'])
param deliverySchema string

@description('Delivery attempts before an event is dead-lettered (1-30).')
@minValue(1)
@maxValue(30)
param maxDeliveryAttempts int

@description('Minutes an undelivered event is kept and retried before it is dead-lettered (1-1440).')
@minValue(1)
@maxValue(1440)
param eventTimeToLiveInMinutes int

@description('Resource id of the storage account holding the dead-letter container.')
param deadLetterStorageAccountId string

@description('Blob container dead-lettered events are written to.')
param deadLetterContainerName string

resource topic 'Microsoft.EventGrid/topics@2025-02-15' existing = {
  name: topicName
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource subscription 'Microsoft.EventGrid/topics/eventSubscriptions@2025-02-15' = {
  parent: topic
  name: name
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: 'https://${functionApp.properties.defaultHostName}${webhookPath}?code=${uriComponent(webhookSecret)}'
        // The relay acknowledges a batch only after every event in it is durably written, well within 30 s.
        maxEventsPerBatch: 10
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: deliverySchema
    retryPolicy: {
      maxDeliveryAttempts: maxDeliveryAttempts
      eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
    }
    // Written with the topic's own identity (Storage Blob Data Contributor on this container): no storage key.
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: deadLetterStorageAccountId
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

@description('Name of the subscription.')
output name string = subscription.name

// Opening hours are read by the gateway (inbound webhooks) and the sandbox's simulated inbound calls alike.
export { isOpen, localTime } from '@callplane/calls';

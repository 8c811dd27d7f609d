/** The validated helpdesk configuration (webhooks, on-call channels, relay timing). */
export const HELPDESK = Symbol('HelpdeskConfig');

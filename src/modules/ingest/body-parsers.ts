import express, { type RequestHandler } from 'express';

/** Content types HL7 v2 text arrives with; ER7 is the pipe-delimited encoding. */
export const HL7_TYPES = ['x-application/hl7-v2+er7', 'application/hl7-v2+er7', 'application/hl7-v2', 'text/plain', 'text/hl7'];

/** The global parser reads application/json; HL7 needs text, SCIM may say application/scim+json. */
export function hl7TextParser(limit: string): RequestHandler {
  return express.text({ type: HL7_TYPES, limit });
}

export function suffixJsonParser(limit: string): RequestHandler {
  return express.json({ type: ['application/*+json'], limit });
}

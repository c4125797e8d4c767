/** Response views of `POST /aws/events`: PutEvents' answer and errors, in EventBridge's JSON 1.1 shapes. */
import type { Response } from 'express';
import { z } from 'zod';

const JSON_1_1 = 'application/x-amz-json-1.1';

export const putEventsResultEntrySchema = z
  .union([
    z.strictObject({ EventId: z.uuid().meta({ example: '7c1e2f3a-9b8d-4e6f-a1b2-c3d4e5f6a7b8' }) }),
    z.strictObject({
      ErrorCode: z.enum(['InvalidArgument', 'MalformedDetail', 'AccessDeniedException']).meta({ example: 'InvalidArgument' }),
      ErrorMessage: z.string().meta({ example: 'No event definition for EventBusName "orders", Source "com.example.shop" and DetailType "Order Shipped".' }),
    }),
  ])
  .meta({ id: 'PutEventsResultEntry', description: 'The event id of an entry put, or why that entry failed' });

export const putEventsResponseSchema = z
  .strictObject({
    FailedEntryCount: z.number().int().meta({ example: 0 }),
    Entries: z.array(putEventsResultEntrySchema).meta({ description: 'One per entry of the request, in its order' }),
  })
  .meta({ id: 'PutEventsResponse' });

/** The error codes of this route, each with the status it answers. */
export const AWS_ERROR_CODES = [
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'UnknownOperationException',
  'SerializationException',
  'ValidationException',
  'ThrottlingException',
  'InternalException',
  'ServiceUnavailableException',
] as const;

export const awsErrorSchema = z
  .strictObject({
    __type: z.enum(AWS_ERROR_CODES).meta({ example: 'ValidationException' }),
    message: z.string().meta({ example: "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null" }),
  })
  .meta({ id: 'AwsError', description: 'An error in EventBridge\'s shape; `x-amzn-ErrorType` carries the same code' });

export type AwsErrorCode = (typeof AWS_ERROR_CODES)[number];

/** Sends an answer as EventBridge does: JSON 1.1, with the request id in `x-amzn-requestid`. */
export function sendAws(res: Response, status: number, body: unknown): void {
  res.status(status).type(JSON_1_1).setHeader('x-amzn-requestid', String(res.locals.requestId ?? ''));
  res.send(JSON.stringify(body));
}

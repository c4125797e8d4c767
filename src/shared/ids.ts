/** The shape of the ids the service is given (org, config, source ids): checked by the API and wherever an id is read from data. */
export const ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

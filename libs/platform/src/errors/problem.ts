/** RFC 9457 problem details, the body of every error answer. */
export interface FieldProblem {
  field: string;
  message: string;
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldProblem[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problem(status: number, detail: string, code?: string, errors?: FieldProblem[]): ProblemDetails {
  const title = TITLES[status] ?? 'Error';
  const slug = code ?? title.toLowerCase().replace(/[^a-z]+/g, '-');
  const body: ProblemDetails = { type: `urn:problem:${slug}`, title, status, detail };
  if (errors) body.errors = errors;
  return body;
}

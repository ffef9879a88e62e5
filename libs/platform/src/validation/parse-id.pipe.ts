import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { ProblemException } from '../errors/problem.exception.js';

/** A UUID path parameter: any letter case accepted, lower case passed on; else 400. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    if (!isUUID(value, 'all')) {
      const field = metadata.data ?? 'id';
      throw ProblemException.badRequest(`The path parameter ${field} must be a UUID.`, [
        { field, message: `${field} must be a UUID` },
      ]);
    }
    return value.toLowerCase();
  }
}

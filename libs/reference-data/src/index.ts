export * from './reference-data.types';
export * from './reference-data.error';
export * from './load-reference-data';
export * from './reference-data.service';

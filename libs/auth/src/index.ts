export * from './actor';
export * from './actor-directory';
export * from './token.service';
export * from './jwt-auth.guard';
export * from './auth.decorators';
export * from './auth.module';

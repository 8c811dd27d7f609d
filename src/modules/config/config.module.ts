import { Global, Module, type DynamicModule } from '@nestjs/common';
import { CorralConfig } from './corral-config.js';

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: CorralConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: CorralConfig, useValue: config }], exports: [CorralConfig] };
  }
}

// class-transformer keeps its @Type metadata in this singleton; the package ships its
// types apart from the CommonJS build that Node loads.
declare module 'class-transformer/cjs/storage.js' {
  export { defaultMetadataStorage } from 'class-transformer/types/storage';
}

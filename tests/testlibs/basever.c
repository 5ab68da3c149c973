/* A test input whose version script leaves one exported symbol out of every version node:
   `unlisted` gets version index 1 (*global*) in an object that has version definitions. */
int unlisted(void) { return 21; }
__attribute__((symver("listed@@BV_1"))) int listed_impl(void) { return 22; }

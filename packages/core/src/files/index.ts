export {
  allowsOutsideFiles,
  MAX_OPTION_FILE_BYTES,
  OptionFileError,
  readContainedFile,
} from "./contained-file.js";

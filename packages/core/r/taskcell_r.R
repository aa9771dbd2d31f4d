# The R side of taskcell's r mode: a warm R process that runs task scripts and converts R formats.
#
# Girder Worker's semantics: the global environment is emptied, each input becomes a variable in
# it, the script runs there, and each output is read back from it. Packages a script attaches are
# detached after it (their namespaces stay loaded, so the next library() call is quick).
#
# Frames are JSON lines: requests on stdin, replies and progress on file descriptor 3, so what the
# script prints on stdout and stderr stays the job's log. After each request a marker line goes to
# both streams, so no line is given to the next job.
#
# Values: ports in an R format (r/object, table/r.dataframe, tree/r.apetree) hold R's own
# serialization (serialize(x, NULL)), as {"__bytes__": base64}; other ports arrive as JSON text,
# read with jsonlite, and go back with length-one vectors unboxed (Girder Worker's scalar rule),
# except for list types.
local({
  json <- asNamespace("jsonlite")
  # Node gives the process its file descriptor 3 as a socket, which R cannot open by path; a shell's
  # cat copies to it.
  out <- pipe("exec cat >&3", open = "w")
  input <- file("stdin", open = "r")
  # R strings cannot hold the NUL that the Python side's marker starts with.
  end_mark <- "\001taskcell-end"
  baseline <- search()
  r_formats <- c("r/object", "table/r.dataframe", "tree/r.apetree")

  send <- function(text) {
    writeLines(text, out, useBytes = TRUE)
    flush(out)
  }
  quote_json <- function(x) as.character(json$toJSON(x, auto_unbox = TRUE))

  bytes_of <- function(value) {
    if (!is.list(value) || is.null(value[["__bytes__"]])) stop("expected R serialization bytes ({\"__bytes__\": base64})")
    json$base64_dec(value[["__bytes__"]])
  }
  bytes_json <- function(obj) {
    paste0("{\"__bytes__\":", quote_json(json$base64_enc(serialize(obj, NULL))), "}")
  }
  temp_text <- function(text, ext) {
    path <- tempfile(fileext = ext)
    writeLines(text, path, useBytes = TRUE)
    path
  }

  # A data.frame from csv text (read.csv): the header's names exactly as written, an empty cell NA.
  read_csv <- function(text) {
    frame <- utils::read.csv(text = text, check.names = FALSE, stringsAsFactors = FALSE, na.strings = "")
    header <- utils::read.csv(text = text, header = FALSE, nrows = 1L, colClasses = "character", strip.white = FALSE, na.strings = character(0))
    names(frame) <- unlist(header[1L, ], use.names = FALSE)
    frame
  }

  # csv text of a data.frame (write.csv): NA as an empty cell, NaN as the text NaN.
  write_csv <- function(frame) {
    for (i in seq_along(frame)) {
      column <- frame[[i]]
      if (is.double(column) && any(is.nan(column))) frame[[i]] <- ifelse(is.nan(column), "NaN", ifelse(is.na(column), NA, as.character(column)))
    }
    con <- textConnection("csv", "w", local = TRUE)
    utils::write.csv(frame, con, row.names = FALSE, na = "")
    close(con)
    paste0(paste(csv, collapse = "\n"), "\n")
  }

  # One value of a (type, format) as an R object: R formats come as bytes, every other value as JSON text.
  read_value <- function(type, format, value) {
    key <- paste(type, format, sep = "/")
    if (key %in% r_formats) return(unserialize(bytes_of(value)))
    value <- json$fromJSON(value, simplifyVector = TRUE)
    switch(key,
      "r/serialized" = unserialize(charToRaw(value)),
      "table/csv" = read_csv(value),
      "tree/newick" = {
        tree <- ape::read.tree(text = value)
        if (is.null(tree)) stop("not a Newick tree: ", substr(value, 1, 80))
        tree
      },
      "tree/nexus" = {
        path <- temp_text(value, ".nex")
        on.exit(unlink(path))
        ape::read.nexus(path)
      },
      value
    )
  }

  check_class <- function(obj, key) {
    if (key == "table/r.dataframe" && !is.data.frame(obj)) stop("expected a data.frame for table/r.dataframe, got ", paste(class(obj), collapse = "/"))
    if (key == "tree/r.apetree" && !inherits(obj, "phylo")) stop("expected an ape \"phylo\" tree for tree/r.apetree, got ", paste(class(obj), collapse = "/"))
  }

  # An R object as JSON text in a (type, format).
  write_value <- function(type, format, obj) {
    key <- paste(type, format, sep = "/")
    if (format == "printed") return(quote_json(paste(utils::capture.output(print(obj)), collapse = "\n")))
    if (key %in% r_formats) {
      check_class(obj, key)
      return(bytes_json(obj))
    }
    text <- switch(key,
      # Version 2, the ascii serialization Girder Worker's R wrote (and every R reads).
      "r/serialized" = rawToChar(serialize(obj, NULL, ascii = TRUE, version = 2)),
      "table/csv" = write_csv(obj),
      "tree/newick" = ape::write.tree(obj),
      "tree/nexus" = {
        path <- tempfile(fileext = ".nex")
        on.exit(unlink(path))
        ape::write.nexus(obj, file = path)
        paste(readLines(path), collapse = "\n")
      },
      # ape's phylo components, from which taskcell makes nested trees and treestore documents.
      "tree/ape.parts" = {
        check_class(obj, "tree/r.apetree")
        return(as.character(json$toJSON(list(
          edge = unname(obj$edge), edge_length = obj$edge.length, nnode = obj$Nnode,
          tip_label = obj$tip.label, node_label = obj$node.label
        ), auto_unbox = TRUE, digits = NA, null = "null")))
      },
      {
        list_type <- grepl("_list$", type)
        if (is.factor(obj)) obj <- as.character(obj)
        # A data.frame given to a table port in taskcell's rows format: its field names and rows.
        if (key == "table/rows" && is.data.frame(obj)) obj <- list(fields = I(names(obj)), rows = obj)
        return(as.character(json$toJSON(if (list_type) unname(obj) else obj,
          auto_unbox = !list_type, digits = NA, null = "null", na = "null", dataframe = "rows"
        )))
      }
    )
    quote_json(text)
  }

  # Girder Worker's clean slate: an empty global environment, no packages attached by a script.
  reset <- function() {
    rm(list = ls(globalenv(), all.names = TRUE), envir = globalenv())
    for (name in setdiff(search(), baseline)) {
      if (startsWith(name, "package:")) try(detach(name, character.only = TRUE), silent = TRUE)
    }
  }

  run <- function(req) {
    reset()
    on.exit(reset())
    g <- globalenv()
    id <- req$id
    assign("progress", function(current, total, message = "") {
      send(paste0("{\"id\":", id, ",\"progress\":", json$toJSON(list(current = current, total = total, message = message), auto_unbox = TRUE, digits = NA), "}"))
    }, envir = g)
    for (name in names(req$magic)) assign(name, req$magic[[name]], envir = g)
    for (port in req$inputs) {
      value <- req$values[[port$id]]
      if (!is.null(port$target) && port$target == "filepath") obj <- json$fromJSON(value)
      else obj <- read_value(port$type, port$format, value)
      assign(port$id, obj, envir = g)
    }
    # Parse errors name the task (`copy_table:2:0: unexpected end of input`).
    code <- parse(text = req$script, keep.source = FALSE, srcfile = if (is.null(req$name)) "<task>" else req$name)
    eval(code, envir = g)
    outputs <- character(0)
    for (port in req$outputs) {
      if (!exists(port$id, envir = g, inherits = FALSE)) stop(sprintf("the script did not set its output \"%s\"", port$id))
      obj <- get(port$id, envir = g, inherits = FALSE)
      text <- if (!is.null(port$target) && port$target == "filepath") quote_json(obj) else write_value(port$type, port$format, obj)
      outputs <- c(outputs, paste0(encodeString(port$id, quote = "\""), ":", text))
    }
    paste0("{", paste(outputs, collapse = ","), "}")
  }

  convert <- function(req) write_value(req$type, req$to, read_value(req$type, req$from, req$value))

  # Run one request: its reply as JSON text. Warnings are written to stderr as they happen (R would
  # hold them until the whole loop ends); an error carries the calls that led to it.
  handle <- function(req) {
    calls <- NULL
    result <- tryCatch(
      withCallingHandlers(
        {
          body <- if (identical(req$kind, "convert")) convert(req) else run(req)
          paste0("{\"id\":", req$id, ",\"", if (identical(req$kind, "convert")) "value" else "outputs", "\":", body, "}")
        },
        warning = function(w) {
          message("Warning: ", conditionMessage(w))
          invokeRestart("muffleWarning")
        },
        error = function(e) calls <<- sys.calls()
      ),
      error = function(e) {
        frames <- vapply(calls, function(cl) paste(deparse(cl, nlines = 1L), collapse = " "), "")
        # Keep the frames of the script: those after the driver's eval, without the error's own handling.
        # (None when the script did not start: its parsing or an input failed.)
        at <- which(frames == "eval(code, envir = g)")
        frames <- if (length(at)) frames[seq_along(frames) > max(at)] else character(0)
        frames <- frames[!grepl("^(stop|\\.handleSimpleError|h|parse)\\(", frames)]
        where <- conditionCall(e)
        # A call of the driver (the script's top level, its parsing) says nothing of the script.
        if (!is.null(where) && grepl("^(eval\\(code|parse\\(text = req\\$script)", paste(deparse(where, nlines = 1L), collapse = " "))) where <- NULL
        err <- list(
          type = class(e)[1],
          message = paste0(if (!is.null(where)) paste0("in ", paste(deparse(where, nlines = 1L), collapse = " "), ": ") else "", conditionMessage(e)),
          traceback = paste(frames, collapse = "\n")
        )
        paste0("{\"id\":", req$id, ",\"error\":", json$toJSON(err, auto_unbox = TRUE), "}")
      }
    )
    result
  }

  send(paste0("{\"ready\":true,\"r\":", quote_json(paste(R.version$major, R.version$minor, sep = ".")), "}"))
  repeat {
    line <- readLines(input, n = 1L, warn = FALSE)
    if (length(line) == 0L) break
    if (!nzchar(line)) next
    req <- json$fromJSON(line, simplifyVector = FALSE)
    reply <- handle(req)
    cat(end_mark, "\n", sep = "")
    cat(end_mark, "\n", sep = "", file = stderr())
    flush(stdout())
    flush(stderr())
    send(reply)
  }
})

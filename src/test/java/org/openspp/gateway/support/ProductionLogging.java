package org.openspp.gateway.support;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.io.File;

/** The JSON encoder of the production {@code src/main/resources/logback.xml}, for tests of what log lines say. */
public final class ProductionLogging {

  private ProductionLogging() {
  }

  /** The production configuration, loaded with the JSON format into a logger context of its own (stop it after). */
  public static LoggerContext jsonContext() throws Exception {
    LoggerContext production = new LoggerContext();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(production);
    // as GatewayMain sets it: a system property, so it is not a context property the encoder would write
    System.setProperty("spp.log.format", "JSON");
    try {
      configurator.doConfigure(new File("src/main/resources/logback.xml"));
    } finally {
      System.clearProperty("spp.log.format");
    }
    return production;
  }

  /** The encoder of {@code production}'s JSON appender. */
  @SuppressWarnings("unchecked")
  public static Encoder<ILoggingEvent> jsonEncoder(LoggerContext production) {
    OutputStreamAppender<ILoggingEvent> appender = (OutputStreamAppender<ILoggingEvent>)
        production.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("JSON");
    if (appender == null) {
      throw new IllegalStateException("logback.xml has no JSON appender on the root logger");
    }
    return appender.getEncoder();
  }
}

"""How people actually spell skills in resumes and vendor emails ("ReactJS", "React.js", "k8s", "SFDC").

Every variant resolves to its canonical skill through the taxonomy's exact alias lookup (a test asserts it), so a
perfect normalizer can recover the truth; harder cases are the normalizer's job, not ours.
"""

from __future__ import annotations

import random

VARIANTS: dict[str, tuple[str, ...]] = {
    "Java": ("Java", "Core Java", "Java 8", "Java 11", "Java 17", "J2EE", "JAVA"),
    "Spring Boot": ("Spring Boot", "SpringBoot", "Spring-Boot", "springboot"),
    "Spring": ("Spring", "Spring MVC", "Spring Framework"),
    "Hibernate": ("Hibernate", "JPA"),
    "Microservices": ("Microservices", "Micro services", "Micro-services", "microservices"),
    "React": ("React", "ReactJS", "React.js", "React JS", "Reactjs"),
    "Redux": ("Redux", "Redux Toolkit"),
    "Next.js": ("Next.js", "NextJS"),
    "Node.js": ("Node.js", "NodeJS", "Node", "Node JS"),
    "Express.js": ("Express.js", "ExpressJS", "Express"),
    "JavaScript": ("JavaScript", "Javascript", "JS", "ES6"),
    "TypeScript": ("TypeScript", "Typescript", "TS"),
    "Angular": ("Angular", "AngularJS", "Angular 14+", "Angular 16"),
    "HTML/CSS": ("HTML/CSS", "HTML5", "CSS3", "HTML"),
    ".NET": (".NET", "ASP.NET", "Dot Net", "DotNet"),
    ".NET Core": (".NET Core", ".Net Core", "ASP.NET Core", ".NET 8"),
    "C#": ("C#", "C Sharp", "CSharp"),
    "Kubernetes": ("Kubernetes", "K8s", "k8s", "EKS", "OpenShift"),
    "Docker": ("Docker", "Docker Compose", "Containers"),
    "AWS": ("AWS", "Amazon Web Services", "AWS Cloud"),
    "AWS Glue": ("AWS Glue", "Glue"),
    "Redshift": ("Redshift", "AWS Redshift", "Amazon Redshift"),
    "Azure": ("Azure", "Microsoft Azure", "MS Azure"),
    "Azure Data Factory": ("Azure Data Factory", "ADF"),
    "Azure DevOps": ("Azure DevOps", "ADO", "VSTS"),
    "GCP": ("GCP", "Google Cloud", "Google Cloud Platform"),
    "Terraform": ("Terraform", "HashiCorp Terraform"),
    "CI/CD": ("CI/CD", "CICD", "CI CD"),
    "Jenkins": ("Jenkins", "Jenkins Pipelines"),
    "Git": ("Git", "GitHub", "GitLab", "Bitbucket"),
    "Linux": ("Linux", "Unix", "RHEL"),
    "Shell Scripting": ("Shell Scripting", "Bash", "Unix Shell", "Shell Script"),
    "Python": ("Python", "Python3", "Python 3"),
    "SQL": ("SQL", "PL/SQL", "T-SQL", "SQL Queries"),
    "SQL Server": ("SQL Server", "MS SQL", "MSSQL", "MS SQL Server", "SSIS"),
    "Oracle": ("Oracle", "Oracle 19c", "Oracle DB"),
    "PostgreSQL": ("PostgreSQL", "Postgres"),
    "MongoDB": ("MongoDB", "Mongo DB", "Mongo"),
    "Spark": ("Spark", "Apache Spark", "Spark SQL"),
    "PySpark": ("PySpark", "Pyspark", "Py Spark"),
    "Databricks": ("Databricks", "Azure Databricks", "Delta Lake"),
    "Snowflake": ("Snowflake", "Snow Flake", "Snowpark"),
    "Kafka": ("Kafka", "Apache Kafka", "Confluent Kafka", "Kafka Streams"),
    "Airflow": ("Airflow", "Apache Airflow", "MWAA"),
    "Hadoop": ("Hadoop", "HDFS", "Hive"),
    "ETL": ("ETL", "ELT", "ETL Development", "Data Pipelines"),
    "Data Modeling": ("Data Modeling", "Data Modelling", "Dimensional Modeling", "Erwin"),
    "Power BI": ("Power BI", "PowerBI", "Power-BI"),
    "Machine Learning": ("Machine Learning", "ML"),
    "Deep Learning": ("Deep Learning", "Neural Networks"),
    "TensorFlow": ("TensorFlow", "Keras", "Tensor Flow"),
    "scikit-learn": ("scikit-learn", "Sklearn", "Scikit Learn"),
    "NLP": ("NLP", "Natural Language Processing"),
    "Generative AI": ("Generative AI", "GenAI", "Gen AI", "LLMs", "LLM"),
    "MLOps": ("MLOps", "ML Ops", "SageMaker", "MLflow"),
    "Salesforce": ("Salesforce", "SFDC", "Salesforce.com"),
    "Lightning Web Components": ("Lightning Web Components", "LWC", "Salesforce Lightning"),
    "ServiceNow": ("ServiceNow", "Service Now", "ServiceNow ITSM"),
    "SAP FICO": ("SAP FICO", "SAP FI/CO", "FICO"),
    "SAP ABAP": ("SAP ABAP", "ABAP"),
    "Guidewire": ("Guidewire", "Guidewire PolicyCenter", "PolicyCenter", "ClaimCenter", "Gosu"),
    "Workday": ("Workday", "Workday HCM"),
    "Dynamics 365": ("Dynamics 365", "MS Dynamics", "D365"),
    "Test Automation": ("Test Automation", "Automation Testing", "QA Automation"),
    "Selenium": ("Selenium", "Selenium WebDriver"),
    "Manual Testing": ("Manual Testing", "Functional Testing", "UAT"),
    "JMeter": ("JMeter", "Performance Testing", "LoadRunner"),
    "REST APIs": ("REST APIs", "RESTful services", "Rest API", "Web Services", "RESTful APIs"),
    "Agile": ("Agile", "Scrum", "JIRA", "Kanban"),
    "Business Analysis": ("Business Analysis", "Requirements Gathering", "BRD", "FRD"),
    "Project Management": ("Project Management", "PMP"),
    "IAM": ("IAM", "Okta", "SailPoint"),
    "Networking": ("Networking", "Cisco", "CCNA"),
    "iOS": ("iOS", "Swift", "SwiftUI"),
    "Android": ("Android", "Android SDK", "Jetpack Compose"),
}


def variants(canonical: str) -> tuple[str, ...]:
    return VARIANTS.get(canonical, (canonical,))


def spell(canonical: str, rng: random.Random, p_canonical: float = 0.45) -> str:
    """The canonical name with probability p_canonical, else one of the other spellings."""
    options = variants(canonical)
    if len(options) == 1 or rng.random() < p_canonical:
        return options[0]
    return options[1 + int(rng.random() * (len(options) - 1))]
